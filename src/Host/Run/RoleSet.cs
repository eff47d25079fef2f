namespace ZtStream.Host.Run;

/// <summary>Which roles this process plays; all of them unless <c>Roles</c> / <c>--roles</c> says otherwise.</summary>
internal sealed record RoleSet(bool Ingest, bool Verifier, bool Responder)
{
    public static readonly string[] Known = [IngestRole.Name, VerifierRole.Name, ResponderRole.Name];

    public static RoleSet Parse(string? value, ICollection<string> problems)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Trim() == "all")
        {
            return new RoleSet(true, true, true);
        }

        bool ingest = false, verifier = false, responder = false;
        foreach (var raw in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (raw.ToLowerInvariant())
            {
                case IngestRole.Name: ingest = true; break;
                case VerifierRole.Name: verifier = true; break;
                case ResponderRole.Name: responder = true; break;
                default: problems.Add($"Roles: '{raw}' is not one of {string.Join(", ", Known)}"); break;
            }
        }

        return new RoleSet(ingest, verifier, responder);
    }

    public override string ToString() => string.Join(
        ",",
        new[] { Ingest ? IngestRole.Name : null, Verifier ? VerifierRole.Name : null, Responder ? ResponderRole.Name : null }.Where(r => r is not null));
}
