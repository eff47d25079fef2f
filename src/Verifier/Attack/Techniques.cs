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

    /// <summary>T1110 Brute Force and T1110.001 Password Guessing: a sign-in that succeeded after a run of failures.</summary>
    public static readonly AttackMapping PasswordGuessing = new(["T1110", "T1110.001"], ["credential-access"]);

    /// <summary>T1621 Multi-Factor Authentication Request Generation: prompts sent until the user accepts one.</summary>
    public static readonly AttackMapping MfaRequestGeneration = new(["T1621"], ["credential-access"]);

    /// <summary>
    /// T1539 Steal Web Session Cookie and T1550.004 Use Alternate Authentication Material: Web Session Cookie — one session
    /// used from a second network or client.
    /// </summary>
    public static readonly AttackMapping StolenSession = new(["T1539", "T1550.004"], ["credential-access", "lateral-movement"]);

    /// <summary>T1550.004 Use Alternate Authentication Material: Web Session Cookie — a session used after it ended.</summary>
    public static readonly AttackMapping WebSessionCookie = new(["T1550.004"], ["defense-evasion", "lateral-movement"]);

    /// <summary>T1078.004 Valid Accounts: Cloud Accounts — an identity-provider account signed in from somewhere new or risky.</summary>
    public static readonly AttackMapping CloudAccounts = new(["T1078.004"], ["initial-access"]);

    /// <summary>
    /// T1098.005 Account Manipulation: Device Registration and T1556.006 Modify Authentication Process: Multi-Factor
    /// Authentication — a second factor or authenticator the attacker holds registered to the account.
    /// </summary>
    public static readonly AttackMapping FactorRegistration = new(["T1098.005", "T1556.006"], ["persistence"]);

    /// <summary>T1098.001 Account Manipulation: Additional Cloud Credentials — an API token or application secret created.</summary>
    public static readonly AttackMapping AdditionalCloudCredentials = new(["T1098.001"], ["persistence"]);

    /// <summary>T1098 Account Manipulation — the password, or the address its reset goes to, changed.</summary>
    public static readonly AttackMapping AccountManipulation = new(["T1098"], ["persistence"]);
}
