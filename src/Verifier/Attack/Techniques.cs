namespace ZtStream.Verifier.Attack;

/// <summary>ATT&amp;CK technique ids and the tactics under which a detection of them is reported.</summary>
internal sealed record AttackMapping(IReadOnlyList<string> Techniques, IReadOnlyList<string> Tactics)
{
    public static AttackMapping None { get; } = new([], []);
}

/// <summary>
/// The MITRE ATT&amp;CK (Enterprise, Containers platform) techniques the built-in detectors evidence. The table in
/// docs/detection.md says which detector gives which, and why. Tactics are the one(s) the detection speaks to, not every
/// tactic ATT&amp;CK lists for the technique.
/// </summary>
internal static class Techniques
{
    /// <summary>T1078 Valid Accounts: a real credential used by someone, or from somewhere, it should not be.</summary>
    public static readonly AttackMapping ValidAccounts = new(["T1078"], ["initial-access"]);

    /// <summary>T1119 Automated Collection: many distinct resources swept in one window.</summary>
    public static readonly AttackMapping AutomatedCollection = new(["T1119"], ["collection"]);

    /// <summary>T1213 Data from Information Repositories: tables, routes and other data stores read outside the norm.</summary>
    public static readonly AttackMapping InformationRepositories = new(["T1213"], ["collection"]);

    /// <summary>T1530 Data from Cloud Storage: the same, when the resource is a bucket or object store.</summary>
    public static readonly AttackMapping CloudStorage = new(["T1530"], ["collection"]);

    /// <summary>
    /// T1528 Steal Application Access Token and T1550.001 Use Alternate Authentication Material: Application Access Token —
    /// a token taken from the workload it belongs to and used from another.
    /// </summary>
    public static readonly AttackMapping StolenToken = new(["T1528", "T1550.001"], ["credential-access", "lateral-movement"]);

    /// <summary>T1550.001 Use Alternate Authentication Material: Application Access Token — replay of a dead token.</summary>
    public static readonly AttackMapping ApplicationAccessToken = new(["T1550.001"], ["lateral-movement"]);

    /// <summary>T1609 Container Administration Command (exec / attach through the API server).</summary>
    public static readonly AttackMapping ContainerAdministrationCommand = new(["T1609"], ["execution"]);

    /// <summary>T1613 Container and Resource Discovery: enumeration of the cluster's objects.</summary>
    public static readonly AttackMapping ContainerDiscovery = new(["T1613"], ["discovery"]);
}
