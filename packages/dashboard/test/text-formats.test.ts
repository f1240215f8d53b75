import { describe, expect, it } from 'vitest';
import { escapeHtml, parsePrometheusSamples } from '@ambient-operator/dashboard';

describe('parsePrometheusSamples', () => {
  it('reads the named metric’s samples with their labels, skipping comments, other metrics and bad lines', () => {
    const body = [
      '# HELP ambient_session_phase_transitions_total Phase transition counts',
      '# TYPE ambient_session_phase_transitions_total counter',
      'ambient_session_phase_transitions_total{namespace="a\\"b\\\\c",from_phase="None",to_phase="Pending"} 3',
      'ambient_session_phase_transitions_total{namespace="x",from_phase="Running",to_phase="Completed"} 2.5e1 1700000000000',
      'ambient_session_phase_transitions_total_other{namespace="x"} 9',
      'ambient_session_phase_transitions_total{namespace="x" broken} 1',
      'ambient_session_phase_transitions_total{namespace="x"} not-a-number',
      'ambient_sessions_total{namespace="x"} 4',
      '',
    ].join('\n');
    expect(parsePrometheusSamples(body, 'ambient_session_phase_transitions_total')).toEqual([
      {
        name: 'ambient_session_phase_transitions_total',
        labels: { namespace: 'a"b\\c', from_phase: 'None', to_phase: 'Pending' },
        value: 3,
      },
      {
        name: 'ambient_session_phase_transitions_total',
        labels: { namespace: 'x', from_phase: 'Running', to_phase: 'Completed' },
        value: 25,
      },
    ]);
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that can change HTML structure', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});
