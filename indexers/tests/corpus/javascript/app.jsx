// A small React-ish app used as a chunker fixture.
import React, { useState } from 'react';
import { fetchUser } from './api';

const API_ROOT = '/api/v1';

/**
 * Shows a user's name.
 */
export function UserCard({ user }) {
  return <div className="card">{user.name}</div>;
}

export const useUser = (id) => {
  const [user, setUser] = useState(null);
  fetchUser(API_ROOT, id).then(setUser);
  return user;
};

class Store {
  #items = [];
  onChange = () => {
    this.render();
  };

  constructor(name) {
    this.name = name;
  }

  add(item) {
    this.#items.push(item);
    this.onChange();
  }

  static create() {
    return new Store('default');
  }
}

function* ids() {
  let i = 0;
  while (true) yield i++;
}

export default Store;
