// Generated from packages/machines (session machine) by `pnpm machines:diagram`; do not edit.
// A self-contained XState v5 machine for Stately's tools: paste it into https://stately.ai/viz, or import it in
// the Stately editor (https://stately.ai/editor, "Import from code"). Guards and actions are named stubs: guards
// are false, so the visualizer follows each state's unguarded alternative; the real ones live in packages/machines.
import { setup } from 'xstate';

export const machine = setup({
  guards: {
    "inactivityTimeoutExceeded": () => false,
    "recreationBackoffPending": () => false,
    "runnerFailed": () => false,
    "runnerGone": () => false,
    "runnerOfEarlierRun": () => false,
    "runnerOfThisRun": () => false,
    "runnerSecretMissing": () => false,
    "runnerStarted": () => false,
    "runnerSucceeded": () => false,
    "runnerVanishedLimitReached": () => false,
    "runnerVanishedRecreatable": () => false,
    "specChanged": () => false,
    "specInvalid": () => false,
    "specSyncReported": () => false,
    "startRequested": () => false,
    "stopGraceExpired": () => false,
    "stopRequested": () => false,
    "stopRequestedRunnerGone": () => false,
    "vertexSecretMissing": () => false,
  },
  actions: {
    "ensureRunStart": () => {},
    "issueConsumedDesiredPhase": () => {},
    "issueForcedRunnerDeletion": () => {},
    "issueRestart": () => {},
    "issueRunnerAdoption": () => {},
    "issueRunnerCreation": () => {},
    "issueRunnerDeletion": () => {},
    "issueSatisfiedStartRequest": () => {},
    "issueSpecSync": () => {},
    "issueStopped": () => {},
    "issueStopping": () => {},
    "issueTerminalCleanup": () => {},
    "issueTokenMaintenance": () => {},
    "markInvalid": () => {},
    "markRunnerCreated": () => {},
    "markRunnerFinished": () => {},
    "markRunnerLost": () => {},
    "markRunnerSecretMissing": () => {},
    "markRunnerStarted": () => {},
    "markScheduling": () => {},
    "markSpecSyncRequested": () => {},
    "markStopped": () => {},
    "markStopping": () => {},
    "markVertexSecretMissing": () => {},
    "markWaitingForEarlierRunner": () => {},
    "phaseChanged": () => {},
    "recordSpecSync": () => {},
    "recreateRun": () => {},
    "reevaluate": () => {},
    "restartRun": () => {},
    "startRun": () => {},
  },
}).createMachine({
  "id": "session",
  "initial": "New",
  "states": {
    "New": {
      "on": {
        "OBSERVE": [
          {
            "target": "#session.Pending",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "SessionCreated"
                }
              },
              "startRun",
              "reevaluate"
            ],
            "description": "new session"
          }
        ]
      }
    },
    "Pending": {
      "on": {
        "OBSERVE": [
          {
            "target": "#session.Stopped",
            "guard": "stopRequestedRunnerGone",
            "actions": [
              "phaseChanged",
              "markStopped",
              "issueStopped"
            ]
          },
          {
            "target": "#session.Stopping",
            "guard": "stopRequested",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "StopRequested"
                }
              },
              {
                "type": "markStopping",
                "params": {
                  "reason": "annotation"
                }
              },
              "issueStopping",
              "reevaluate"
            ]
          },
          {
            "target": "#session.Failed",
            "guard": "specInvalid",
            "actions": [
              "phaseChanged",
              "markInvalid",
              "issueTerminalCleanup",
              "issueConsumedDesiredPhase"
            ]
          },
          {
            "guard": "runnerOfEarlierRun",
            "actions": [
              "markWaitingForEarlierRunner",
              "issueRunnerDeletion"
            ]
          },
          {
            "target": "#session.Creating",
            "guard": "runnerOfThisRun",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "RunnerJobExists"
                }
              },
              {
                "type": "markRunnerCreated",
                "params": {
                  "adopted": true
                }
              },
              "issueRunnerAdoption"
            ]
          },
          {
            "target": "#session.Failed",
            "guard": "vertexSecretMissing",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "VertexSecretMissing"
                }
              },
              "markVertexSecretMissing",
              "issueTerminalCleanup",
              "issueConsumedDesiredPhase"
            ]
          },
          {
            "guard": "runnerSecretMissing",
            "actions": [
              "markRunnerSecretMissing"
            ]
          },
          {
            "guard": "recreationBackoffPending"
          },
          {
            "target": "#session.Creating",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "RunnerJobCreated"
                }
              },
              "ensureRunStart",
              "issueRunnerCreation",
              {
                "type": "markRunnerCreated",
                "params": {
                  "adopted": false
                }
              }
            ],
            "description": "create runner"
          }
        ]
      }
    },
    "Creating": {
      "on": {
        "OBSERVE": [
          {
            "target": "#session.Stopped",
            "guard": "stopRequestedRunnerGone",
            "actions": [
              "phaseChanged",
              "markStopped",
              "issueStopped"
            ]
          },
          {
            "target": "#session.Stopping",
            "guard": "stopRequested",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "StopRequested"
                }
              },
              {
                "type": "markStopping",
                "params": {
                  "reason": "annotation"
                }
              },
              "issueStopping",
              "reevaluate"
            ]
          },
          {
            "target": "#session.Completed",
            "guard": {
              "type": "runnerSucceeded",
              "params": {
                "runnerWasRunning": false
              }
            },
            "actions": [
              "phaseChanged",
              {
                "type": "markRunnerFinished",
                "params": {
                  "runnerWasRunning": false
                }
              },
              "issueTerminalCleanup"
            ]
          },
          {
            "target": "#session.Failed",
            "guard": {
              "type": "runnerFailed",
              "params": {
                "runnerWasRunning": false
              }
            },
            "actions": [
              "phaseChanged",
              {
                "type": "markRunnerFinished",
                "params": {
                  "runnerWasRunning": false
                }
              },
              "issueTerminalCleanup"
            ]
          },
          {
            "target": "#session.Pending",
            "guard": {
              "type": "runnerVanishedRecreatable",
              "params": {
                "runnerWasRunning": false
              }
            },
            "actions": [
              "phaseChanged",
              {
                "type": "recreateRun",
                "params": {
                  "runnerWasRunning": false
                }
              },
              "issueRunnerDeletion"
            ]
          },
          {
            "target": "#session.Failed",
            "guard": {
              "type": "runnerVanishedLimitReached",
              "params": {
                "runnerWasRunning": false
              }
            },
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "RunnerLost"
                }
              },
              "markRunnerLost",
              "issueTerminalCleanup"
            ]
          },
          {
            "target": "#session.Running",
            "guard": {
              "type": "runnerStarted",
              "params": {
                "runnerWasRunning": false
              }
            },
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "RunnerStarted"
                }
              },
              "markRunnerStarted",
              "reevaluate"
            ]
          },
          {
            "actions": [
              "markScheduling",
              "issueTokenMaintenance",
              "issueSatisfiedStartRequest"
            ]
          }
        ]
      }
    },
    "Running": {
      "on": {
        "OBSERVE": [
          {
            "target": "#session.Stopping",
            "guard": "stopRequested",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "StopRequested"
                }
              },
              {
                "type": "markStopping",
                "params": {
                  "reason": "annotation"
                }
              },
              "issueStopping",
              "reevaluate"
            ]
          },
          {
            "target": "#session.Completed",
            "guard": {
              "type": "runnerSucceeded",
              "params": {
                "runnerWasRunning": true
              }
            },
            "actions": [
              "phaseChanged",
              {
                "type": "markRunnerFinished",
                "params": {
                  "runnerWasRunning": true
                }
              },
              "issueTerminalCleanup"
            ]
          },
          {
            "target": "#session.Failed",
            "guard": {
              "type": "runnerFailed",
              "params": {
                "runnerWasRunning": true
              }
            },
            "actions": [
              "phaseChanged",
              {
                "type": "markRunnerFinished",
                "params": {
                  "runnerWasRunning": true
                }
              },
              "issueTerminalCleanup"
            ]
          },
          {
            "target": "#session.Pending",
            "guard": {
              "type": "runnerVanishedRecreatable",
              "params": {
                "runnerWasRunning": true
              }
            },
            "actions": [
              "phaseChanged",
              {
                "type": "recreateRun",
                "params": {
                  "runnerWasRunning": true
                }
              },
              "issueRunnerDeletion"
            ]
          },
          {
            "target": "#session.Failed",
            "guard": {
              "type": "runnerVanishedLimitReached",
              "params": {
                "runnerWasRunning": true
              }
            },
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "RunnerLost"
                }
              },
              "markRunnerLost",
              "issueTerminalCleanup"
            ]
          },
          {
            "target": "#session.Stopping",
            "guard": "inactivityTimeoutExceeded",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "InactivityTimeout"
                }
              },
              {
                "type": "markStopping",
                "params": {
                  "reason": "inactivity"
                }
              },
              "issueStopping",
              "reevaluate"
            ]
          },
          {
            "guard": "specSyncReported",
            "actions": [
              "recordSpecSync",
              "issueTokenMaintenance",
              "issueSatisfiedStartRequest"
            ]
          },
          {
            "guard": "specChanged",
            "actions": [
              "markSpecSyncRequested",
              "issueSpecSync",
              "issueTokenMaintenance",
              "issueSatisfiedStartRequest"
            ]
          },
          {
            "actions": [
              "issueTokenMaintenance",
              "issueSatisfiedStartRequest"
            ]
          }
        ]
      }
    },
    "Stopping": {
      "on": {
        "OBSERVE": [
          {
            "target": "#session.Stopped",
            "guard": "runnerGone",
            "actions": [
              "phaseChanged",
              "markStopped",
              {
                "type": "issueStopped",
                "params": {
                  "serviceDeleted": true
                }
              },
              "reevaluate"
            ]
          },
          {
            "guard": "stopGraceExpired",
            "actions": [
              "issueForcedRunnerDeletion"
            ]
          },
          {
            "actions": [
              "issueRunnerDeletion"
            ]
          }
        ]
      }
    },
    "Stopped": {
      "on": {
        "OBSERVE": [
          {
            "target": "#session.Pending",
            "guard": "startRequested",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "RestartRequested"
                }
              },
              "restartRun",
              "issueRestart",
              "reevaluate"
            ]
          },
          {
            "actions": [
              "issueRunnerDeletion"
            ]
          }
        ]
      }
    },
    "Completed": {
      "on": {
        "OBSERVE": [
          {
            "target": "#session.Pending",
            "guard": "startRequested",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "RestartRequested"
                }
              },
              "restartRun",
              "issueRestart",
              "reevaluate"
            ]
          },
          {
            "actions": [
              "issueRunnerDeletion"
            ]
          }
        ]
      }
    },
    "Failed": {
      "on": {
        "OBSERVE": [
          {
            "target": "#session.Pending",
            "guard": "startRequested",
            "actions": [
              {
                "type": "phaseChanged",
                "params": {
                  "reason": "RestartRequested"
                }
              },
              "restartRun",
              "issueRestart",
              "reevaluate"
            ]
          },
          {
            "actions": [
              "issueRunnerDeletion"
            ]
          }
        ]
      }
    }
  }
});
