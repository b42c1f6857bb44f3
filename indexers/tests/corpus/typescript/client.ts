import { EventEmitter } from 'events';
import type { Agent } from 'http';

export type Method = 'GET' | 'POST';

/** Options of a client. */
export interface ClientOptions {
  baseUrl: string;
  retries?: number;
  agent?: Agent;
}

export enum Status {
  Ok = 200,
  NotFound = 404,
}

export abstract class Transport {
  abstract send(method: Method, url: string): Promise<string>;
}

export class Client extends EventEmitter {
  private readonly options: ClientOptions;

  constructor(options: ClientOptions) {
    super();
    this.options = options;
  }

  /** Sends a request and returns the body. */
  async request(method: Method, path: string): Promise<string> {
    const url = this.options.baseUrl + path;
    this.emit('request', url);
    return fetch(url, { method }).then((r) => r.text());
  }

  handle = (event: string): void => {
    console.log(event);
  };
}

export namespace Util {
  export function join(a: string, b: string): string {
    return a + b;
  }
}

export const makeClient = (baseUrl: string): Client => new Client({ baseUrl });

export function main(): void {
  const client = makeClient('http://localhost');
  client.request('GET', '/').then(console.log);
}
