// Generated from packages/machines (agent-task machine) by `pnpm machines:diagram`; do not edit.
// A self-contained XState v5 machine for Stately's tools: paste it into https://stately.ai/viz, or import it in
// the Stately editor (https://stately.ai/editor, "Import from code"). Guards and actions are named stubs: guards
// are false, so the visualizer follows each state's unguarded alternative; the real ones live in packages/machines.
import { setup } from 'xstate';

export const machine = setup({
  guards: {
    "invalid": () => false,
    "jobDeadlineExceeded": () => false,
    "jobExists": () => false,
    "jobFailed": () => false,
    "jobGone": () => false,
    "jobSucceeded": () => false,
    "refused": () => false,
  },
  actions: {
    "createTaskJob": () => {},
    "markFinished": () => {},
    "markInvalid": () => {},
    "markJobCreated": () => {},
    "markRefused": () => {},
    "phaseChanged": () => {},
    "reevaluate": () => {},
  },
}).createMachine({
  "id": "agentTask",
  "initial": "New",
  "states": {
    "New": {
      "on": {
        "OBSERVE": [
          {
            "target": "#agentTask.Pending",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "TaskCreated"
                }
              },
              "reevaluate"
            ],
            "description": "new task"
          }
        ]
      }
    },
    "Pending": {
      "on": {
        "OBSERVE": [
          {
            "target": "#agentTask.Failed",
            "guard": "invalid",
            "actions": [
              "phaseChanged",
              "markInvalid"
            ]
          },
          {
            "guard": "refused",
            "actions": [
              "markRefused"
            ]
          },
          {
            "target": "#agentTask.Running",
            "guard": "jobExists",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "JobExists"
                }
              },
              "markJobCreated",
              "reevaluate"
            ]
          },
          {
            "target": "#agentTask.Running",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "JobCreated"
                }
              },
              "createTaskJob",
              "markJobCreated"
            ],
            "description": "create Job"
          }
        ]
      }
    },
    "Running": {
      "on": {
        "OBSERVE": [
          {
            "target": "#agentTask.Timeout",
            "guard": "jobDeadlineExceeded",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "DeadlineExceeded"
                }
              },
              {
                "type": "markFinished",
                "params": {
                  "phase": "Timeout"
                }
              }
            ]
          },
          {
            "target": "#agentTask.Succeeded",
            "guard": "jobSucceeded",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "Completed"
                }
              },
              {
                "type": "markFinished",
                "params": {
                  "phase": "Succeeded"
                }
              }
            ]
          },
          {
            "target": "#agentTask.Failed",
            "guard": "jobFailed",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "Error"
                }
              },
              {
                "type": "markFinished",
                "params": {
                  "phase": "Failed"
                }
              }
            ]
          },
          {
            "target": "#agentTask.Failed",
            "guard": "jobGone",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "JobDeleted"
                }
              },
              {
                "type": "markFinished",
                "params": {
                  "phase": "Failed"
                }
              }
            ]
          }
        ]
      }
    },
    "Succeeded": {},
    "Failed": {},
    "Timeout": {}
  }
});
