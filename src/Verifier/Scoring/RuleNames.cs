namespace ZtStream.Verifier.Scoring;

/// <summary>Rule names (the part after the detector in a feedback scope such as <c>baseline/first_data_class</c>).</summary>
internal static class RuleNames
{
    public const string DataClass = "data_class";
    public const string TokenBinding = "token_binding";
    public const string TokenExpired = "token_expired";
    public const string TokenRevoked = "token_revoked";
    public const string Segmentation = "segmentation";
    public const string ProtectedResource = "protected_resource";
    public const string PodExec = "pod_exec";

    public const string FirstResource = "first_resource";
    public const string FirstDataClass = "first_data_class";
    public const string BytesSpike = "bytes_spike";
    public const string RateSpike = "rate_spike";
    public const string BreadthSpike = "breadth_spike";
    public const string DenialSpike = "denial_spike";
    public const string NewSource = "new_source";
    public const string TokenNewWorkload = "token_new_workload";
    public const string UnusualHour = "unusual_hour";
    public const string NewSourceUnusualHour = "new_source_unusual_hour";

    public const string Reconstruction = "pca_reconstruction";
}
