namespace ZtStream.Host.Demo;

/// <summary>The response policy the demo runs with: act automatically on high risk, within a generous budget.</summary>
internal static class DemoPolicies
{
    public const string Response = """
        # Demo response policy: every high or critical alert is acted on automatically.
        rules:
          - name: isolate-workload-policy-violations
            detector: policy
            severity: critical
            action: isolate_workload
            mode: automatic
          - name: revoke-high-risk-sessions
            severity: high
            action: revoke_subject_sessions
            mode: automatic
        budget:
          max_automatic: 100
          max_automatic_per_namespace: 50
          window: 5m
        isolation:
          default_ttl: 10m
        approval:
          expires_after: 1h
        """;
}
