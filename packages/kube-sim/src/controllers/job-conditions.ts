import type { Obj } from '../pod-status.js';
import { obj } from '../pod-status.js';
import type { KubeObject } from '../types.js';

/** Why a Job fails (the reason and message of its FailureTarget and Failed conditions). */
export interface JobFailure {
  reason: string;
  message: string;
}

export function conditions(job: KubeObject): Obj[] {
  const list = obj(job.status).conditions;
  return Array.isArray(list) ? list.map(obj) : [];
}

export function hasCondition(job: KubeObject, type: string): boolean {
  return conditions(job).some((c) => c.type === type && c.status === 'True');
}

export function condition(type: string, reason: string, message: string, now: string): Obj {
  const c: Obj = { type, status: 'True', lastProbeTime: now, lastTransitionTime: now };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/** What decides whether a running Job has reached its success or failure target. */
export interface TargetInputs {
  succeeded: number;
  failed: number;
  completions: number;
  backoffLimit: number;
  /** activeDeadlineSeconds, if set. */
  deadline: number | undefined;
  /** When the Job started (epoch milliseconds). */
  started: number;
  /** A failure already decided by the podFailurePolicy. */
  failJob: JobFailure | undefined;
  now: string;
}

/**
 * Adds the interim condition a running Job has reached, if any: FailureTarget (podFailurePolicy,
 * backoffLimit, activeDeadlineSeconds) or SuccessCriteriaMet (completions). Once one is set it stays;
 * the Job's pods are then stopped and Failed or Complete follows. Returns the Job's conditions.
 */
export function markTarget(status: Obj, inputs: TargetInputs): Obj[] {
  const { succeeded, failed, completions, backoffLimit, deadline, started, now } = inputs;
  let failJob = inputs.failJob;
  const list = Array.isArray(status.conditions) ? status.conditions.map(obj) : [];
  const failureTarget = list.find((c) => c.type === 'FailureTarget' && c.status === 'True');
  const successTarget = list.find((c) => c.type === 'SuccessCriteriaMet' && c.status === 'True');
  if (!failureTarget && !successTarget) {
    if (failJob) {
      // set below
    } else if (failed > backoffLimit) {
      failJob = {
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      };
    } else if (deadline !== undefined && Date.now() >= started + deadline * 1000) {
      failJob = { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    }
    if (failJob) {
      list.push(condition('FailureTarget', failJob.reason, failJob.message, now));
    } else if (succeeded >= completions) {
      list.push(
        condition(
          'SuccessCriteriaMet',
          'CompletionsReached',
          'Reached expected number of succeeded pods',
          now,
        ),
      );
    }
    status.conditions = list;
  }
  return list;
}
