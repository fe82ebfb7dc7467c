import http from 'node:http';
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { now, percentile, round } from './report';

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
export function startServer(url: string, mode: 'plugin' | 'raw' | 'static'): Promise<{ port: number; child: ChildProcess; cpuMs(): Promise<number>; stop(): Promise<void> }> {
  // KPI_BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (bench/README.md, where the time goes).
  const profDir = process.env.KPI_BENCH_CPU_PROF?.trim();
  const execArgv = profDir ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=server-${mode}-${process.pid}-${Date.now()}.cpuprofile`] : process.execArgv;
  const child = fork(path.join(__dirname, 'server.js'), [`--url=${url}`, `--mode=${mode}`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`bench server exited early (code ${code})`));
    child.once('exit', onExit);
    child.once('message', (m: { port?: number; error?: string }) => {
      if (!m.port) return reject(new Error(m.error ?? 'bench server failed'));
      child.off('exit', onExit);
      resolve({
        port: m.port,
        child,
        cpuMs: () => new Promise<number>((res) => {
          const onMessage = (r: { cpuMs?: number }) => {
            if (typeof r?.cpuMs !== 'number') return;
            child.off('message', onMessage);
            res(r.cpuMs);
          };
          child.on('message', onMessage);
          child.send({ cpu: true });
        }),
        stop: () => new Promise<void>((res) => {
          if (child.exitCode !== null) return res();
          child.once('exit', () => res());
          child.send({ stop: true });
        }),
      });
    });
  });
}

/** What a closed-loop load measured: each answer's latency, the failures, and its wall time. */
export interface LoadStats { p50: number; p95: number; p99: number; max: number; mean: number; requestsPerSec: number; errors: number; firstError?: string }

/**
 * Sends `count` requests, `concurrency` at a time (each sender sends its next one when the last
 * is answered): `send(i)` makes request i and resolves with the answer's status and body;
 * `check` says what is wrong with an answer (null: right). Only `send`'s span is timed.
 */
export async function closedLoop(
  count: number, concurrency: number,
  send: (i: number) => { request: () => Promise<{ status: number; body: string }> },
  check: (r: { status: number; body: string }) => string | null,
): Promise<LoadStats> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const sender = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const { request } = send(i); // preparing the request (signing, say) is the client's work: untimed
      const t0 = now();
      try {
        const r = await request();
        latencies.push(now() - t0);
        const wrong = check(r);
        if (wrong !== null) {
          errors++;
          firstError ??= wrong;
        }
      } catch (e) {
        errors++;
        firstError ??= (e as Error).message;
      }
    }
  };
  const t0 = now();
  await Promise.all(Array.from({ length: concurrency }, sender));
  const ms = now() - t0;
  const mean = latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length);
  return {
    p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), p99: round(percentile(latencies, 99)), max: round(Math.max(...latencies)),
    mean: round(mean), requestsPerSec: Math.round(latencies.length / (ms / 1000)), errors, ...(firstError ? { firstError } : {}),
  };
}
