namespace ZtStream.Verifier.Policy;

/// <summary>The policy ZtStream ships (Policy/default-policy.yaml, embedded): used when no policy file is given.</summary>
internal static class DefaultPolicy
{
    public static string Yaml()
    {
        using var stream = typeof(DefaultPolicy).Assembly.GetManifestResourceStream("ZtStream.Verifier.Policy.default-policy.yaml")
            ?? throw new InvalidOperationException("default policy resource missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static ZeroTrustPolicy Load() => PolicyLoader.Parse(Yaml());
}
