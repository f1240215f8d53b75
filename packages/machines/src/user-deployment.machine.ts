import { setup } from 'xstate';
import { userDeploymentCommandActions } from './user-deployment.commands.js';
import { userDeploymentGuards } from './user-deployment.guards.js';
import type { UserDeploymentObservation } from './user-deployment-observation.js';

/**
 * The UserDeployment phase model. One event, OBSERVE, carries what a reconcile saw; in each state its
 * guarded alternatives are tried in order and the first that holds is taken. Nothing here has effects:
 * commands (empty named actions) come back from `transition()` as data, and status is derived from the
 * phase and the observation by `decideUserDeployment`. `phaseChanged {reason}` marks every phase
 * change; `reevaluate` asks `decideUserDeployment` to judge the same observation again in the new phase.
 *
 * A bad template or unprovisionable secrets make a running application Failed but leave its children
 * alone: a typo in the template must not take the user's service down. Only deletion removes children.
 */

export interface UserDeploymentObserveEvent {
  type: 'OBSERVE';
  observation: UserDeploymentObservation;
}

type PhaseChangedParams = { reason: string };

const phaseChanged = (reason: string) => ({ type: 'phaseChanged' as const, params: { reason } });

/** The alternatives every live phase starts with: deletion wins, then a template or secrets problem. */
function failuresAndDeletion(templateReason = true) {
  return [
    {
      guard: 'deletionRequested' as const,
      target: 'Deleting' as const,
      actions: [phaseChanged('DeletionRequested'), 'reevaluate' as const],
    },
    ...(templateReason
      ? [
          {
            guard: 'templateUnusable' as const,
            target: 'Failed' as const,
            actions: [{ type: 'phaseChanged' as const, params: templateFailureReason }],
          },
          {
            guard: 'secretsUnavailable' as const,
            target: 'Failed' as const,
            actions: [phaseChanged('ExternalSecretsUnavailable')],
          },
        ]
      : []),
  ];
}

function templateFailureReason({ event }: { event: UserDeploymentObserveEvent }): PhaseChangedParams {
  const template = event.observation.template;
  return { reason: template.ok ? 'TemplateInvalid' : template.reason };
}

export const userDeploymentMachine = setup({
  types: {
    context: {} as Record<string, never>,
    events: {} as UserDeploymentObserveEvent,
  },
  guards: userDeploymentGuards,
  actions: {
    ...userDeploymentCommandActions,
    phaseChanged: (_args: unknown, _params: PhaseChangedParams) => {},
    reevaluate: () => {},
  },
}).createMachine({
  id: 'userDeployment',
  initial: 'New',
  context: {},
  states: {
    /** No status.phase yet: every UserDeployment leaves at once (counted as None → Pending). */
    New: {
      on: {
        OBSERVE: [
          {
            target: 'Pending',
            description: 'new user deployment',
            actions: [phaseChanged('Created'), 'reevaluate'],
          },
        ],
      },
    },

    Pending: {
      on: {
        OBSERVE: [
          ...failuresAndDeletion(),
          {
            target: 'Provisioning',
            description: 'provision',
            actions: [phaseChanged('Provisioning'), 'addFinalizer', 'applyChildren', 'reevaluate'],
          },
        ],
      },
    },

    Provisioning: {
      on: {
        OBSERVE: [
          ...failuresAndDeletion(),
          {
            guard: 'servicesReady',
            target: 'Running',
            actions: [phaseChanged('AllServicesReady'), 'applyChildren'],
          },
          { description: 'wait for rollout', actions: ['applyChildren'] },
        ],
      },
    },

    Running: {
      on: {
        OBSERVE: [
          ...failuresAndDeletion(),
          {
            guard: 'rollingOut',
            target: 'Provisioning',
            actions: [phaseChanged('RollingOut'), 'applyChildren'],
          },
          { guard: 'servicesReady', actions: ['applyChildren'] },
          {
            target: 'Degraded',
            description: 'replicas unavailable',
            actions: [phaseChanged('ReplicasUnavailable'), 'applyChildren'],
          },
        ],
      },
    },

    Degraded: {
      on: {
        OBSERVE: [
          ...failuresAndDeletion(),
          {
            guard: 'rollingOut',
            target: 'Provisioning',
            actions: [phaseChanged('RollingOut'), 'applyChildren'],
          },
          {
            guard: 'servicesReady',
            target: 'Running',
            actions: [phaseChanged('AllServicesReady'), 'applyChildren'],
          },
          { description: 'wait for replicas', actions: ['applyChildren'] },
        ],
      },
    },

    Failed: {
      on: {
        OBSERVE: [
          ...failuresAndDeletion(false),
          { guard: 'templateUnusable' },
          { guard: 'secretsUnavailable' },
          {
            target: 'Provisioning',
            description: 'problem fixed',
            actions: [phaseChanged('Provisioning'), 'addFinalizer', 'applyChildren', 'reevaluate'],
          },
        ],
      },
    },

    Deleting: {
      on: {
        OBSERVE: [
          {
            guard: 'childrenGone',
            target: 'Deleted',
            // Re-judged at once: running may have been requested again while the children went.
            actions: [phaseChanged('ChildrenDeleted'), 'removeFinalizer', 'reevaluate'],
          },
          { description: 'wait for children to go', actions: ['deleteChildren'] },
        ],
      },
    },

    Deleted: {
      on: {
        OBSERVE: [
          { guard: 'deletionRequested', actions: ['removeFinalizer'] },
          {
            target: 'Provisioning',
            description: 'running requested again',
            actions: [phaseChanged('Provisioning'), 'addFinalizer', 'applyChildren', 'reevaluate'],
          },
        ],
      },
    },
  },
});

export type UserDeploymentMachine = typeof userDeploymentMachine;
