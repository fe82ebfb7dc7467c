import http from 'node:http';
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** A keep-alive client with one socket per concurrent sender: light on the CPU the server shares. */
export class BenchClient {
  private readonly agent: http.Agent;

  constructor(private readonly port: number, sockets: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  post(urlPath: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: this.port, path: urlPath, method: 'POST', agent: this.agent, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  get(urlPath: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: this.port, path: urlPath, method: 'GET', agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Starts bench/lib/server.js in a child process (the plugin behind express, as a host
 * mounts it, or the raw floor) and resolves with its port once it listens.
 */
export function startServer(url: string, mode: 'plugin' | 'raw' | 'static'): Promise<{ port: number; child: ChildProcess; stop(): Promise<void> }> {
  const child = fork(path.join(__dirname, 'server.js'), [`--url=${url}`, `--mode=${mode}`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`bench server exited early (code ${code})`));
    child.once('exit', onExit);
    child.once('message', (m: { port?: number; error?: string }) => {
      if (!m.port) return reject(new Error(m.error ?? 'bench server failed'));
      child.off('exit', onExit);
      resolve({
        port: m.port,
        child,
        stop: () => new Promise<void>((res) => {
          if (child.exitCode !== null) return res();
          child.once('exit', () => res());
          child.send({ stop: true });
        }),
      });
    });
  });
}
