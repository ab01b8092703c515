import { describe, expect, it } from 'vitest';
import { connectionBudgetProblem, rawConnectionBudget } from './raw-connection-budget.ts';

const machines = (n: number, server: string, databases = n) =>
  Array.from({ length: n }, (_, i) => ({
    rawDatabaseUrl: `postgres://mm_reader:secret@${server}/press${i % databases}`,
  }));

describe('rawConnectionBudget', () => {
  it('bounds each raw server by the workers, the scheduler and the API, never by the number of machines', () => {
    const [plant] = rawConnectionBudget({
      machines: machines(1000, 'plant-db:5432'),
      workers: 2,
      workerConcurrency: 4,
      machineMaxJobs: 2,
      planConcurrency: 4,
      apiConnections: 8,
    });
    expect(plant).toEqual({
      server: 'plant-db:5432',
      databases: 1000,
      machines: 1000,
      workers: 8,
      scheduler: 4,
      api: 8,
      total: 20,
    });
  });

  it('counts a server of few machines by their per-machine cap, and servers apart', () => {
    const budget = rawConnectionBudget({
      machines: [...machines(1, 'small:5432'), ...machines(6, 'big:6543', 2)],
      workers: 4,
      workerConcurrency: 4,
      machineMaxJobs: 2,
      planConcurrency: 4,
      apiConnections: 8,
    });
    expect(budget).toEqual([
      { server: 'small:5432', databases: 1, machines: 1, workers: 2, scheduler: 1, api: 1, total: 4 },
      { server: 'big:6543', databases: 2, machines: 6, workers: 12, scheduler: 4, api: 6, total: 22 },
    ]);
  });

  it('warns, naming the server and never a password, when max_connections cannot hold it', () => {
    const [big] = rawConnectionBudget({
      machines: machines(200, 'plant-db:5432'),
      workers: 30,
      workerConcurrency: 4,
      machineMaxJobs: 2,
      planConcurrency: 4,
      apiConnections: 8,
    });
    expect(connectionBudgetProblem(big!, { maxConnections: 200, reserved: 3 })).toBeNull();
    const problem = connectionBudgetProblem(big!, { maxConnections: 100, reserved: 3 });
    expect(problem).toMatch(/raw server plant-db:5432 allows 97 connections .* may open 132 on it/);
    expect(problem).not.toContain('secret');
  });
});
