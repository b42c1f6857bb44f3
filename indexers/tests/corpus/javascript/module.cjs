'use strict';

const path = require('path');

/**
 * Resolves a path against the root.
 */
function resolve(root, p) {
  return path.join(root, p);
}

const handler = function (req, res) {
  res.end(resolve('/srv', req.url));
};

class Router {
  constructor() {
    this.routes = new Map();
  }

  get(route, fn) {
    this.routes.set(route, fn);
    return this;
  }
}

module.exports = { resolve, handler, Router };
