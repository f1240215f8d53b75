// Generated from packages/machines (workflow machine) by `pnpm machines:diagram`; do not edit.
// A self-contained XState v5 machine for Stately's tools: paste it into https://stately.ai/viz, or import it in
// the Stately editor (https://stately.ai/editor, "Import from code"). Guards and actions are named stubs: guards
// are false, so the visualizer follows each state's unguarded alternative; the real ones live in packages/machines.
import { setup } from 'xstate';

export const machine = setup({
  guards: {
    "invalid": () => false,
    "lastStepSucceeded": () => false,
    "stepFailed": () => false,
    "stepSucceeded": () => false,
    "stepTaskForeign": () => false,
    "stepTaskMissing": () => false,
    "stepTaskMissingBadReference": () => false,
  },
  actions: {
    "advance": () => {},
    "createStepTask": () => {},
    "markBadReference": () => {},
    "markInvalid": () => {},
    "markStepCreated": () => {},
    "markStepFailed": () => {},
    "markSucceeded": () => {},
    "markTaskForeign": () => {},
    "phaseChanged": () => {},
    "recordStep": () => {},
    "reevaluate": () => {},
    "start": () => {},
  },
}).createMachine({
  "id": "workflow",
  "initial": "New",
  "states": {
    "New": {
      "on": {
        "OBSERVE": [
          {
            "target": "#workflow.Pending",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "WorkflowCreated"
                }
              },
              "reevaluate"
            ],
            "description": "new workflow"
          }
        ]
      }
    },
    "Pending": {
      "on": {
        "OBSERVE": [
          {
            "target": "#workflow.Failed",
            "guard": "invalid",
            "actions": [
              "phaseChanged",
              "markInvalid"
            ]
          },
          {
            "target": "#workflow.Running",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "Started"
                }
              },
              "start",
              "reevaluate"
            ],
            "description": "start"
          }
        ]
      }
    },
    "Running": {
      "on": {
        "OBSERVE": [
          {
            "target": "#workflow.Failed",
            "guard": "stepTaskForeign",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "TaskNameTaken"
                }
              },
              "markTaskForeign"
            ]
          },
          {
            "target": "#workflow.Succeeded",
            "guard": "lastStepSucceeded",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "AllStepsSucceeded"
                }
              },
              "recordStep",
              "markSucceeded"
            ]
          },
          {
            "guard": "stepSucceeded",
            "actions": [
              "recordStep",
              "advance",
              "reevaluate"
            ]
          },
          {
            "target": "#workflow.Failed",
            "guard": "stepFailed",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "StepFailed"
                }
              },
              "recordStep",
              "markStepFailed"
            ]
          },
          {
            "target": "#workflow.Failed",
            "guard": "stepTaskMissingBadReference",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "BadReference"
                }
              },
              "markBadReference"
            ]
          },
          {
            "guard": "stepTaskMissing",
            "actions": [
              "createStepTask",
              "markStepCreated"
            ]
          },
          {
            "actions": [
              "recordStep"
            ]
          }
        ]
      }
    },
    "Succeeded": {},
    "Failed": {}
  }
});
