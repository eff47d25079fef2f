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

    /// <summary>T1098.006 Account Manipulation: Additional Container Cluster Roles (RBAC roles and bindings).</summary>
    public static readonly AttackMapping ClusterRoles = new(["T1098.006"], ["persistence", "privilege-escalation"]);

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

    /// <summary>T1552.007 Unsecured Credentials: Container API (secrets read through the Kubernetes API).</summary>
    public static readonly AttackMapping ContainerApiCredentials = new(["T1552.007"], ["credential-access"]);

    /// <summary>T1552 Unsecured Credentials: credentials left in configuration objects.</summary>
    public static readonly AttackMapping UnsecuredCredentials = new(["T1552"], ["credential-access"]);

    /// <summary>T1609 Container Administration Command (exec / attach through the API server).</summary>
    public static readonly AttackMapping ContainerAdministrationCommand = new(["T1609"], ["execution"]);

    /// <summary>T1610 Deploy Container.</summary>
    public static readonly AttackMapping DeployContainer = new(["T1610"], ["execution"]);

    /// <summary>T1610 Deploy Container and T1611 Escape to Host: a pod that can reach its node (privileged, host paths).</summary>
    public static readonly AttackMapping EscapeToHost = new(["T1610", "T1611"], ["execution", "privilege-escalation"]);

    /// <summary>T1610 Deploy Container and T1036.005 Masquerading: Match Legitimate Name or Location (a pod among the system's).</summary>
    public static readonly AttackMapping SystemNamespacePod = new(["T1036.005", "T1610"], ["execution"]);

    /// <summary>T1613 Container and Resource Discovery: enumeration of the cluster's objects.</summary>
    public static readonly AttackMapping ContainerDiscovery = new(["T1613"], ["discovery"]);

    /// <summary>T1136 Create Account (a service account made where only the platform makes them).</summary>
    public static readonly AttackMapping CreateAccount = new(["T1136"], ["persistence"]);
}
