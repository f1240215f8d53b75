// Cases of the fidelity suite where kube-sim knowingly answers differently from the real API server, with the
// reason the difference is acceptable for now. packages/kube-sim/README.md ("Known differences") lists the same.
export const KNOWN_DIFFERENCES: Record<string, string> = {
  'a Table of ConfigMaps':
    'column descriptions are the field docs of the OpenAPI schema kube-sim does not carry, and the real Data column is typed string; kubectl prints the same table',
  'merge, JSON and strategic merge patches of a ConfigMap':
    'a failed JSON-patch `test` says "Test operation failed" after the API server\'s message (fast-json-patch wording); same code and reason',
  'strategic merge patch of a Deployment merges containers by name':
    "merged list order: the API server puts the patch's new env entries first, kube-sim appends them; same entries",
  'server-side apply creates, and a second manager conflicts':
    'kube-sim keeps no managedFields, so a second field manager never conflicts (409) — apply is a merge for it',
  'custom resource field selectors: metadata.name works, spec fields are refused':
    'custom resources: the API server words the refusal "field label not supported" and lists with continue ""; kube-sim uses the built-ins\' wording; same 400',
  'PUT of a custom resource without resourceVersion':
    'the 422 names the kind instead of the resource and quotes the value as "0x0"; same code, reason and field',
  'delete with a finalizer: deletionTimestamp, then gone when the finalizer is removed':
    'kube-sim bumps generation when deletionTimestamp is set on kinds without one, and keeps finalizers removed by a merge patch with null while the object is being deleted — to fix',
  'delete a Job with propagationPolicy=Foreground':
    "the response shows the Job controller's status (kube-sim's controller runs synchronously; the real one had not synced yet) and manualSelector false is not defaulted",
  'delete a Job with propagationPolicy=Orphan':
    "the response shows the Job controller's status (kube-sim's controller runs synchronously; the real one had not synced yet) and manualSelector false is not defaulted",
  'kubectl create job and serviceaccount (typed, protobuf)':
    'the protobuf decoder keeps generation 0 in the template metadata (Go omits it) and manualSelector false is not defaulted',
  'delete a namespace: Terminating':
    'kube-sim shows deletionGracePeriodSeconds 0 and a generation on a terminating namespace; the phase and the 200 are the same',
};
