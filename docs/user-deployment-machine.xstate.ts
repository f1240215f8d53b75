// Generated from packages/machines (user-deployment machine) by `pnpm machines:diagram`; do not edit.
// A self-contained XState v5 machine for Stately's tools: paste it into https://stately.ai/viz, or import it in
// the Stately editor (https://stately.ai/editor, "Import from code"). Guards and actions are named stubs: guards
// are false, so the visualizer follows each state's unguarded alternative; the real ones live in packages/machines.
import { setup } from 'xstate';

export const machine = setup({
  guards: {
    "childrenGone": () => false,
    "deletionRequested": () => false,
    "rollingOut": () => false,
    "secretsUnavailable": () => false,
    "servicesReady": () => false,
    "templateUnusable": () => false,
  },
  actions: {
    "addFinalizer": () => {},
    "applyChildren": () => {},
    "deleteChildren": () => {},
    "phaseChanged": () => {},
    "reevaluate": () => {},
    "removeFinalizer": () => {},
  },
}).createMachine({
  "id": "userDeployment",
  "initial": "New",
  "states": {
    "New": {
      "on": {
        "OBSERVE": [
          {
            "target": "#userDeployment.Pending",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "Created"
                }
              },
              "reevaluate"
            ],
            "description": "new user deployment"
          }
        ]
      }
    },
    "Pending": {
      "on": {
        "OBSERVE": [
          {
            "target": "#userDeployment.Deleting",
            "guard": "deletionRequested",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "DeletionRequested"
                }
              },
              "reevaluate"
            ]
          },
          {
            "target": "#userDeployment.Failed",
            "guard": "templateUnusable",
            "actions": [
              "phaseChanged"
            ]
          },
          {
            "target": "#userDeployment.Failed",
            "guard": "secretsUnavailable",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "ExternalSecretsUnavailable"
                }
              }
            ]
          },
          {
            "target": "#userDeployment.Provisioning",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "Provisioning"
                }
              },
              "addFinalizer",
              "applyChildren",
              "reevaluate"
            ],
            "description": "provision"
          }
        ]
      }
    },
    "Provisioning": {
      "on": {
        "OBSERVE": [
          {
            "target": "#userDeployment.Deleting",
            "guard": "deletionRequested",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "DeletionRequested"
                }
              },
              "reevaluate"
            ]
          },
          {
            "target": "#userDeployment.Failed",
            "guard": "templateUnusable",
            "actions": [
              "phaseChanged"
            ]
          },
          {
            "target": "#userDeployment.Failed",
            "guard": "secretsUnavailable",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "ExternalSecretsUnavailable"
                }
              }
            ]
          },
          {
            "target": "#userDeployment.Running",
            "guard": "servicesReady",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "AllServicesReady"
                }
              },
              "applyChildren"
            ]
          },
          {
            "actions": [
              "applyChildren"
            ],
            "description": "wait for rollout"
          }
        ]
      }
    },
    "Running": {
      "on": {
        "OBSERVE": [
          {
            "target": "#userDeployment.Deleting",
            "guard": "deletionRequested",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "DeletionRequested"
                }
              },
              "reevaluate"
            ]
          },
          {
            "target": "#userDeployment.Failed",
            "guard": "templateUnusable",
            "actions": [
              "phaseChanged"
            ]
          },
          {
            "target": "#userDeployment.Failed",
            "guard": "secretsUnavailable",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "ExternalSecretsUnavailable"
                }
              }
            ]
          },
          {
            "target": "#userDeployment.Provisioning",
            "guard": "rollingOut",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "RollingOut"
                }
              },
              "applyChildren"
            ]
          },
          {
            "guard": "servicesReady",
            "actions": [
              "applyChildren"
            ]
          },
          {
            "target": "#userDeployment.Degraded",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "ReplicasUnavailable"
                }
              },
              "applyChildren"
            ],
            "description": "replicas unavailable"
          }
        ]
      }
    },
    "Degraded": {
      "on": {
        "OBSERVE": [
          {
            "target": "#userDeployment.Deleting",
            "guard": "deletionRequested",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "DeletionRequested"
                }
              },
              "reevaluate"
            ]
          },
          {
            "target": "#userDeployment.Failed",
            "guard": "templateUnusable",
            "actions": [
              "phaseChanged"
            ]
          },
          {
            "target": "#userDeployment.Failed",
            "guard": "secretsUnavailable",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "ExternalSecretsUnavailable"
                }
              }
            ]
          },
          {
            "target": "#userDeployment.Provisioning",
            "guard": "rollingOut",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "RollingOut"
                }
              },
              "applyChildren"
            ]
          },
          {
            "target": "#userDeployment.Running",
            "guard": "servicesReady",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "AllServicesReady"
                }
              },
              "applyChildren"
            ]
          },
          {
            "actions": [
              "applyChildren"
            ],
            "description": "wait for replicas"
          }
        ]
      }
    },
    "Failed": {
      "on": {
        "OBSERVE": [
          {
            "target": "#userDeployment.Deleting",
            "guard": "deletionRequested",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "DeletionRequested"
                }
              },
              "reevaluate"
            ]
          },
          {
            "guard": "templateUnusable"
          },
          {
            "guard": "secretsUnavailable"
          },
          {
            "target": "#userDeployment.Provisioning",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "Provisioning"
                }
              },
              "addFinalizer",
              "applyChildren",
              "reevaluate"
            ],
            "description": "problem fixed"
          }
        ]
      }
    },
    "Deleting": {
      "on": {
        "OBSERVE": [
          {
            "target": "#userDeployment.Deleted",
            "guard": "childrenGone",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "ChildrenDeleted"
                }
              },
              "removeFinalizer",
              "reevaluate"
            ]
          },
          {
            "actions": [
              "deleteChildren"
            ],
            "description": "wait for children to go"
          }
        ]
      }
    },
    "Deleted": {
      "on": {
        "OBSERVE": [
          {
            "guard": "deletionRequested",
            "actions": [
              "removeFinalizer"
            ]
          },
          {
            "target": "#userDeployment.Provisioning",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "Provisioning"
                }
              },
              "addFinalizer",
              "applyChildren",
              "reevaluate"
            ],
            "description": "running requested again"
          }
        ]
      }
    }
  }
});
