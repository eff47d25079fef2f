namespace ZtStream.Ingest.Sources;

/// <summary>
/// The cloud identity a managed cluster's authenticator put in the audit event's <c>user.extra</c>: on EKS
/// (aws-iam-authenticator, access entries) the IAM identity that signed the token — <c>arn</c>, <c>canonicalArn</c>,
/// <c>sessionName</c>, <c>accessKeyId</c>, <c>principalId</c> — and on AKS with Entra ID (Guard) the object id
/// (<c>oid</c>). The Kubernetes user name is whatever the cluster maps it to (<c>kubernetes-admin</c> for several roles, an
/// assumed-role ARN with the session name in it), so the principal is the IAM role or user behind it; the role session
/// stays in the attributes (docs/events.md, "Cloud identities behind Kubernetes users").
/// </summary>
internal sealed record CloudIdentity(
    string? Arn,
    string? CanonicalArn,
    string? SessionName,
    string? AccessKeyId,
    string? PrincipalId,
    string? AccountId,
    string? EntraObjectId)
{
    public const string UsernameAttribute = "k8s.username";

    /// <summary>
    /// Prefixes of the cluster's own identities (EKS refuses them in access entries): a node or an EKS component signs with
    /// an IAM role shared by many of them, which must not merge them into one principal.
    /// </summary>
    private static readonly string[] ReservedPrefixes = ["system:", "eks:", "aws:", "amazon:", "iam:"];

    /// <summary>
    /// What <paramref name="extra"/> (the authenticated user's, never the impersonated one's, whose extra the caller chose
    /// through <c>Impersonate-Extra-*</c> headers) and <paramref name="username"/> say; null when neither names a cloud
    /// identity. An ARN is taken only in ARN form; the canonical one is derived from the session ARN (or an ARN user name,
    /// as EKS access entries name users by default) when the authenticator did not write it.
    /// </summary>
    public static CloudIdentity? Of(JsonElement? extra, string? username)
    {
        var arn = IamArn(Value(extra, "arn")) ?? IamArn(username);
        var canonical = IamArn(Value(extra, "canonicalArn")) ?? Canonical(arn);
        var oid = Value(extra, "oid") is { } id && Guid.TryParse(id, out _) ? id : null;
        if (arn is null && canonical is null && oid is null)
        {
            return null;
        }

        return new CloudIdentity(
            arn,
            canonical,
            Value(extra, "sessionName") is { Length: > 0 } session ? session : SessionOf(arn),
            Value(extra, "accessKeyId"),
            Value(extra, "principalId"),
            (canonical ?? arn)?.Split(':')[4],
            oid);
    }

    /// <summary>Whether the Kubernetes user name is a person's or a program's the cloud identity stands for, not the cluster's own.</summary>
    public static bool Replaceable(string username)
    {
        foreach (var prefix in ReservedPrefixes)
        {
            if (username.StartsWith(prefix, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The principal: the IAM role or user (one role across clusters and sessions is one principal), or, for an Entra ID
    /// user, the object id when Entra ID subjects are object ids (<c>Ingest:IdentitySubjects:entra=user_id</c>), else its
    /// user principal name as the Entra adapter names it (<see cref="Entra.EntraMapper.UserName"/>: lower case), so the user's
    /// cluster requests and sign-ins meet. Null keeps the user name.
    /// </summary>
    public string? Principal(bool entraSubjectIsObjectId, string? username) =>
        CanonicalArn ?? (EntraObjectId is null ? null
            : entraSubjectIsObjectId ? EntraObjectId
            : username is not null && username.Contains('@', StringComparison.Ordinal) ? Entra.EntraMapper.UserName(username, EntraObjectId) : null);

    public void AddTo(Dictionary<string, JsonElement> attributes)
    {
        Add(attributes, "aws.arn", Arn);
        Add(attributes, "aws.canonical_arn", CanonicalArn);
        Add(attributes, "aws.session_name", SessionName);
        Add(attributes, "aws.access_key_id", AccessKeyId);
        Add(attributes, "aws.principal_id", PrincipalId);
        Add(attributes, "aws.account_id", AccountId);
        Add(attributes, IdentityAttributes.IdpUserId, EntraObjectId);
    }

    /// <summary><c>arn:PARTITION:iam|sts::ACCOUNT:RESOURCE</c> with a 12-digit account, else null.</summary>
    internal static string? IamArn(string? text)
    {
        if (text is null || !text.StartsWith("arn:", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = text.Split(':', 6);
        return parts.Length == 6 && parts[1].Length > 0 && parts[2] is "iam" or "sts" && parts[3].Length == 0
            && parts[4].Length == 12 && parts[4].All(char.IsAsciiDigit) && parts[5].Length > 0
            ? text
            : null;
    }

    /// <summary>
    /// The IAM identity behind an ARN, as aws-iam-authenticator canonicalises it: an assumed-role session
    /// (<c>arn:aws:sts::A:assumed-role/ROLE/SESSION</c>) is its role (<c>arn:aws:iam::A:role/ROLE</c>); anything else is itself.
    /// </summary>
    internal static string? Canonical(string? arn)
    {
        if (arn is null)
        {
            return null;
        }

        var parts = arn.Split(':', 6);
        var resource = parts[5].Split('/');
        return parts[2] == "sts" && resource is ["assumed-role", { Length: > 0 } role, ..]
            ? $"arn:{parts[1]}:iam::{parts[4]}:role/{role}"
            : arn;
    }

    /// <summary>The session name of an assumed-role ARN, else null.</summary>
    internal static string? SessionOf(string? arn) =>
        arn?.Split(':', 6)[5].Split('/', 3) is ["assumed-role", _, { Length: > 0 } session] ? session : null;

    /// <summary>An extra's value: a list of strings as the API server writes it, or a plain string as some exports flatten it.</summary>
    private static string? Value(JsonElement? extra, string key) =>
        extra is { ValueKind: JsonValueKind.Object } e && e.Child(key) is { } value
            ? value.ValueKind == JsonValueKind.String ? Text(value.GetString()) : e.FirstString(key) is { } first ? Text(first) : null
            : null;

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static void Add(Dictionary<string, JsonElement> attributes, string key, string? value)
    {
        if (value is not null)
        {
            attributes[key] = JsonFields.Of(value);
        }
    }
}
