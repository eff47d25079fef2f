using ZtStream.Ingest.Sources.Identity;
using ZtStream.Ingest.Sources.K8sAudit;

namespace ZtStream.Ingest.Sources.Aws;

/// <summary>
/// Maps AWS CloudTrail records (management events: an IAM user created, a policy attached, a trail stopped, a KMS key
/// scheduled for deletion, an EKS access entry …) onto canonical events of kind <c>access.request</c>: each record is its
/// caller's call to the account (docs/sources.md, "AWS CloudTrail"). The records arrive as CloudTrail writes them to S3
/// (<c>{"Records":[…]}</c>), one by one, as an array or one per line, inside an EventBridge event (<c>detail</c>), and in
/// the CloudWatch Logs subscription and Amazon Data Firehose envelopes EKS's audit log uses
/// (<see cref="ManagedClusterEnvelopes"/>). Pure: bytes in, events and per-item errors out.
/// </summary>
internal static class CloudTrailMapper
{
    /// <summary>The adapter's name: its endpoint, metric label and replay format.</summary>
    public const string SourceName = "aws-cloudtrail";

    /// <summary>What an id derived from a record starts with; 32 hex digits follow, unlike CloudTrail's UUID event ids.</summary>
    public const string DerivedIdPrefix = "aws-";

    /// <summary>How a caller CloudTrail names by no ARN, principal id or address is keyed (<see cref="Caller"/>).</summary>
    public const string UnnamedCaller = "aws:unnamed-caller/";

    /// <summary>Who a call made an access key, a password or a user for, when that is not the caller itself.</summary>
    public const string OtherUserAttribute = "aws.other_user";

    /// <summary>Ingress a security-group call opened: one <c>CIDR PROTOCOL FROM-TO</c> a range and its ports.</summary>
    public const string IngressAttribute = "aws.ingress";

    /// <summary>
    /// The secret a call read in clear: a Secrets Manager secret (<c>GetSecretValue</c>'s <c>secretId</c>) or a Parameter
    /// Store parameter read with decryption (<c>GetParameter</c>'s <c>name</c>, <c>GetParameters</c>' <c>names</c>), so one
    /// rule counts the distinct secrets a caller read across both services.
    /// </summary>
    public const string SecretReadAttribute = "aws.secret_read";

    /// <summary>A policy document in the call allows every action on every resource (an Allow statement with <c>*</c> for both).</summary>
    public const string AllowsAllAttribute = "aws.policy_allows_all";

    /// <summary>
    /// Principals an Allow statement of a policy document in the call names without a <c>Condition</c>, that are outside the
    /// account: <c>*</c>, or an account id or ARN of another account.
    /// </summary>
    public const string OutsidePrincipalsAttribute = "aws.policy_outside_principals";

    private static readonly EnvelopeItems Records = new("a CloudTrail record", CloudWatchStream: null);

    private static readonly string[] TimeFields = ["eventTime"];

    // The error codes of a call IAM (or the service's own authorisation) refused; any other code is an error.
    private static readonly HashSet<string> DeniedCodes = new(StringComparer.Ordinal)
    {
        "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Client.UnauthorizedOperation", "UnauthorizedAccess",
        "UnauthorizedException", "NotAuthorized", "AuthorizationError", "Forbidden", "InvalidClientTokenId", "SignatureDoesNotMatch",
        "ExpiredToken", "ExpiredTokenException",
    };

    /// <summary>Trimming above the bound: the bodies go first, never who did what, from where, and how it ended.</summary>
    private static readonly RawTrimPlan RawPlan = new(
        Drop: [],
        Keep: new HashSet<string>(StringComparer.Ordinal)
        {
            "eventVersion", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent", "userIdentity",
            "errorCode", "errorMessage", "eventID", "eventType", "readOnly", "recipientAccountId", "managementEvent",
            "eventCategory", "requestID",
        });

    public static MapResult Map(ReadOnlySpan<byte> json, SourceMapOptions? options = null)
    {
        options ??= SourceMapOptions.Default;
        AuditEventMapper map = (record, index, carrier, items, errors) => MapOne(record, index, options, carrier, items, errors);
        return ManagedClusterEnvelopes.Read(json, options, map, map, Records);
    }

    private static void MapOne(JsonElement record, int index, SourceMapOptions options, AuditCarrier carrier, List<MappedEvent> items, List<ItemError> errors)
    {
        foreach (var required in (ReadOnlySpan<string>)["eventSource", "eventName"])
        {
            if (record.Child(required) is { } value && value.ValueKind != JsonValueKind.String)
            {
                errors.Add(new ItemError(index, carrier.Field(required), $"expected a string, got {JsonFields.Describe(value)}"));
                return;
            }

            if (record.String(required) is not { Length: > 0 })
            {
                errors.Add(new ItemError(index, carrier.Field(required), required == "eventName"
                    ? "required: the API call the record audits"
                    : "required: the service the call was made to (iam.amazonaws.com …)"));
                return;
            }
        }

        if (record.Child("userIdentity") is { ValueKind: not JsonValueKind.Object } notIdentity)
        {
            errors.Add(new ItemError(index, carrier.Field("userIdentity"), $"expected an object, got {JsonFields.Describe(notIdentity)}"));
            return;
        }

        if (!K8sAuditMapper.TryRecordTime(record, TimeFields, index, options, carrier, errors, out var time, out var timeSource))
        {
            return;
        }

        var source = record.String("eventSource")!;
        var name = record.String("eventName")!;
        var identity = record.Child("userIdentity");
        var written = record.String("sourceIPAddress");
        var address = written is { Length: <= 64 } ip && IPAddress.TryParse(ip, out var parsed) ? ForwardedChain.Canonical(parsed) : null;
        var account = record.String("recipientAccountId") ?? identity.String("accountId");
        var (subjectId, subjectType, cloud) = Caller(identity, address, account, source);
        var errorCode = record.String("errorCode");
        var outcome = Outcome(errorCode, name, record);

        var attributes = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        JsonFields.AddText(attributes, "aws.event_source", source);
        JsonFields.AddText(attributes, "aws.event_name", name);
        JsonFields.AddText(attributes, "aws.region", record.String("awsRegion"));
        JsonFields.AddText(attributes, "aws.event_type", record.String("eventType"));
        JsonFields.AddText(attributes, "aws.event_category", record.String("eventCategory"));
        JsonFields.AddText(attributes, "aws.identity_type", identity.String("type"));
        JsonFields.AddText(attributes, "aws.user_name", identity.String("userName"));
        JsonFields.AddText(attributes, "aws.invoked_by", identity.String("invokedBy"));
        JsonFields.AddText(attributes, "aws.recipient_account_id", record.String("recipientAccountId"));
        JsonFields.AddText(attributes, "aws.error_code", errorCode);
        JsonFields.AddText(attributes, "aws.error_message", record.String("errorMessage"));
        JsonFields.AddText(attributes, "aws.source_ip_address", address is null ? written : null);
        var context = identity?.Child("sessionContext");
        JsonFields.AddText(attributes, "aws.session_issuer", context?.Child("sessionIssuer").String("arn"));
        JsonFields.AddText(attributes, "aws.source_identity", context.String("sourceIdentity"));
        JsonFields.AddText(attributes, "aws.mfa_authenticated", context?.Child("attributes").String("mfaAuthenticated"));
        JsonFields.AddText(attributes, TimeSources.Attribute, timeSource);
        if (record.Child("readOnly") is { ValueKind: JsonValueKind.True or JsonValueKind.False } readOnly)
        {
            attributes["aws.read_only"] = JsonFields.Of(readOnly.ValueKind == JsonValueKind.True);
        }

        cloud?.AddTo(attributes);
        var parameters = record.Child("requestParameters") is { ValueKind: JsonValueKind.Object } given ? given : (JsonElement?)null;
        if (parameters is { } p)
        {
            AddOtherUser(attributes, p, identity, name);
            AddIngress(attributes, p, record, name);
            AddSecretRead(attributes, p, source, name);
            CloudTrailPolicies.Add(attributes, p, account);
        }

        foreach (var (key, value) in carrier.Attributes)
        {
            attributes[key] = JsonFields.Of(value);
        }

        var raw = RawObject.Bounded(record, options.MaxRawBytes, RawPlan, out var trimmed);
        if (trimmed is not null)
        {
            attributes[RawObject.TrimmedAttribute] = JsonFields.Of(trimmed);
        }

        var resource = record.Child("resources") is { ValueKind: JsonValueKind.Array } resources && resources.GetArrayLength() > 0
            && resources[0] is { ValueKind: JsonValueKind.Object } first ? first : (JsonElement?)null;
        items.Add(new MappedEvent(index, new AccessEvent
        {
            Id = record.String("eventID") is { Length: > 0 } eventId ? Clip(eventId, options.MaxFieldLength) : DerivedId(record),
            Time = time,
            Kind = EventKinds.AccessRequest,
            Subject = new Subject { Id = Clip(subjectId, options.MaxFieldLength), Type = subjectType, Tenant = account },
            Network = address is null ? null : new NetworkInfo { SrcIp = address },
            Resource = resource is { } r && (r.String("type") ?? r.String("ARN")) is not null
                ? new ResourceRef
                {
                    Type = r.String("type") is { } type ? Clip(type, options.MaxFieldLength) : null,
                    Id = r.String("ARN") is { } arn ? Clip(arn, options.MaxFieldLength) : null,
                }
                : null,
            Action = Clip($"{Service(source)}:{name}", options.MaxFieldLength),
            Status = outcome switch
            {
                Outcomes.Success => 200,
                Outcomes.Denied => 403,
                _ => null,
            },
            Outcome = outcome,
            UserAgent = record.String("userAgent") is { Length: > 0 } agent ? Clip(agent, options.MaxFieldLength) : null,
            Attributes = attributes,
            Raw = raw,
        }));
        if (timeSource is null)
        {
            options.Dated(time);
        }
    }

    /// <summary><c>iam.amazonaws.com</c> → <c>iam</c>, the prefix IAM's own action names mostly use; any other host as written.</summary>
    private static string Service(string eventSource)
    {
        const string Suffix = ".amazonaws.com";
        return eventSource.EndsWith(Suffix, StringComparison.Ordinal) && eventSource.Length > Suffix.Length ? eventSource[..^Suffix.Length] : eventSource;
    }

    /// <summary>
    /// How the call ended: no <c>errorCode</c> is success; a code of refused authorisation (<see cref="DeniedCodes"/>, or one
    /// ending in <c>AccessDenied</c> or <c>UnauthorizedOperation</c>) is denied, any other an error. A console sign-in that
    /// failed writes no code: <c>responseElements.ConsoleLogin</c> <c>Failure</c> is a denied sign-in.
    /// </summary>
    private static string Outcome(string? errorCode, string eventName, JsonElement record)
    {
        if (errorCode is { Length: > 0 })
        {
            return DeniedCodes.Contains(errorCode) || errorCode.EndsWith("AccessDenied", StringComparison.Ordinal)
                || errorCode.EndsWith("UnauthorizedOperation", StringComparison.Ordinal)
                ? Outcomes.Denied
                : Outcomes.Error;
        }

        return eventName == "ConsoleLogin" && record.Child("responseElements").String("ConsoleLogin") == "Failure" ? Outcomes.Denied : Outcomes.Success;
    }

    /// <summary>
    /// The principal, named as an EKS cluster's audit log names the same IAM identity (<see cref="CloudIdentity"/>): an IAM
    /// user or the root user by its ARN; an assumed role's session by its role's ARN as aws-iam-authenticator canonicalises it
    /// (<c>arn:aws:iam::A:role/ROLE</c>, no path), the session beside it; a federated user by its ARN; an AWS service by the
    /// service (<c>invokedBy</c>); another account by its id; an Identity Center user by its user id. A caller named by none
    /// of these is its address, else the account and the service called.
    /// </summary>
    private static (string Id, string Type, CloudIdentity? Cloud) Caller(JsonElement? identity, string? address, string? account, string source)
    {
        var type = identity.String("type");
        var arn = CloudIdentity.IamArn(identity.String("arn"));
        var cloud = arn is null ? null : new CloudIdentity(
            arn, CloudIdentity.Canonical(arn), CloudIdentity.SessionOf(arn), identity.String("accessKeyId") is { Length: > 0 } key ? key : null,
            identity.String("principalId"), arn.Split(':')[4], null);
        switch (type)
        {
            case "AWSService" when identity.String("invokedBy") is { Length: > 0 } service:
                return (service, "service_account", cloud);
            case "AWSAccount" when identity.String("accountId") is { Length: > 0 } other:
                return ("aws-account:" + other, "user", cloud);
            case "IdentityCenterUser" when identity?.Child("onBehalfOf").String("userId") is { Length: > 0 } userId:
                return ("identitycenter:" + userId, "user", cloud);
        }

        if (cloud?.CanonicalArn is { } principal)
        {
            return (principal, "user", cloud);
        }

        if (identity.String("principalId") is { Length: > 0 } principalId)
        {
            return (principalId, "user", cloud);
        }

        if (address is not null)
        {
            return ("ip:" + address, "anonymous", cloud);
        }

        return ($"{UnnamedCaller}{account ?? "-"}/{source}", "anonymous", cloud);
    }

    /// <summary>
    /// An IAM user made, or given an access key, a console password or a login profile, for someone other than the caller:
    /// <c>requestParameters.userName</c> when the caller is not that IAM user (a role, the root user, another user). The
    /// caller's own key rotation names itself, or no user at all.
    /// </summary>
    private static void AddOtherUser(Dictionary<string, JsonElement> attributes, JsonElement parameters, JsonElement? identity, string eventName)
    {
        if (eventName is not ("CreateUser" or "CreateAccessKey" or "CreateLoginProfile" or "UpdateLoginProfile")
            || parameters.String("userName") is not { Length: > 0 } user)
        {
            return;
        }

        if (identity.String("type") == "IAMUser" && identity.String("userName") == user)
        {
            return;
        }

        attributes[OtherUserAttribute] = JsonFields.Of(user);
    }

    /// <summary>
    /// The ingress a security-group call opened, one <c>CIDR PROTOCOL FROM-TO</c> for each range of each rule, so a rule
    /// reads a range and its ports together (a list of ranges beside a list of ports would match an office's range on SSH
    /// and the internet on HTTPS), and tests a port inside the range with <c>covers</c> (docs/rules.md).
    /// <c>AuthorizeSecurityGroupIngress</c>: each permission of <c>ipPermissions.items[]</c> (<c>ipProtocol</c>,
    /// <c>fromPort</c>, <c>toPort</c>, <c>ipRanges.items[].cidrIp</c>, <c>ipv6Ranges.items[].cidrIpv6</c>), else the
    /// ingress rules of <c>responseElements.securityGroupRuleSet.items[]</c> (<c>cidrIpv4</c>, <c>cidrIpv6</c>), else the API's
    /// own single-rule shape (<c>cidrIp</c> … at the top). <c>ModifySecurityGroupRules</c>: the new rule of each
    /// <c>ModifySecurityGroupRulesRequest.SecurityGroupRule[].SecurityGroupRule</c> (<c>CidrIpv4</c>, <c>CidrIpv6</c>,
    /// <c>IpProtocol</c>, <c>FromPort</c>, <c>ToPort</c>); whether it is an ingress rule the record does not say, so it is
    /// read as one. Protocol <c>-1</c> (all traffic) has no ports: <c>0-65535</c>; protocol numbers 6 and 17 are
    /// <c>tcp</c> and <c>udp</c>; a port the record leaves out is <c>*</c>.
    /// </summary>
    private static void AddIngress(Dictionary<string, JsonElement> attributes, JsonElement parameters, JsonElement record, string eventName)
    {
        var opened = new List<string>();
        switch (eventName)
        {
            case "AuthorizeSecurityGroupIngress":
                foreach (var permission in Items(parameters.Child("ipPermissions")))
                {
                    foreach (var range in Items(permission.Child("ipRanges")))
                    {
                        Open(opened, range.String("cidrIp"), permission, "ipProtocol", "fromPort", "toPort");
                    }

                    foreach (var range in Items(permission.Child("ipv6Ranges")))
                    {
                        Open(opened, range.String("cidrIpv6"), permission, "ipProtocol", "fromPort", "toPort");
                    }
                }

                if (opened.Count == 0)
                {
                    foreach (var rule in Items(record.Child("responseElements")?.Child("securityGroupRuleSet")))
                    {
                        if (rule.Child("isEgress") is not { ValueKind: JsonValueKind.True })
                        {
                            Open(opened, rule.String("cidrIpv4"), rule, "ipProtocol", "fromPort", "toPort");
                            Open(opened, rule.String("cidrIpv6"), rule, "ipProtocol", "fromPort", "toPort");
                        }
                    }
                }

                if (opened.Count == 0)
                {
                    Open(opened, parameters.String("cidrIp"), parameters, "ipProtocol", "fromPort", "toPort");
                }

                break;
            case "ModifySecurityGroupRules":
                // EC2 writes a list of one as the item itself.
                foreach (var update in Items(parameters.Child("ModifySecurityGroupRulesRequest")?.Child("SecurityGroupRule")))
                {
                    if (update.Child("SecurityGroupRule") is { ValueKind: JsonValueKind.Object } rule)
                    {
                        Open(opened, rule.String("CidrIpv4"), rule, "IpProtocol", "FromPort", "ToPort");
                        Open(opened, rule.String("CidrIpv6"), rule, "IpProtocol", "FromPort", "ToPort");
                    }
                }

                break;
            default:
                return;
        }

        if (opened.Count > 0)
        {
            attributes[IngressAttribute] = JsonFields.Of(opened);
        }

        static void Open(List<string> opened, string? cidr, JsonElement rule, string protocolName, string fromName, string toName)
        {
            if (cidr is not { Length: > 0 })
            {
                return;
            }

            var protocol = rule.Child(protocolName) is { } p ? Text(p) : "-1";
            protocol = protocol switch
            {
                "-1" or "all" => "-1",
                "6" => "tcp",
                "17" => "udp",
                _ => protocol.ToLowerInvariant(),
            };
            opened.Add(protocol == "-1" ? $"{cidr} -1 0-65535" : $"{cidr} {protocol} {Port(rule, fromName)}-{Port(rule, toName)}");
        }

        static string Port(JsonElement o, string name) => o.Child(name) is { } v ? Text(v) : "*";

        static string Text(JsonElement v) => v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
    }

    /// <summary>
    /// What <see cref="SecretReadAttribute"/> names: the secret of a <c>GetSecretValue</c>, the parameters of a
    /// <c>GetParameter</c>/<c>GetParameters</c> called with <c>withDecryption: true</c> (without it a SecureString comes back
    /// encrypted, and a plain parameter is configuration, not a secret). <c>BatchGetSecretValue</c> is left out: Secrets
    /// Manager logs a <c>GetSecretValue</c> for each secret it returns.
    /// </summary>
    private static void AddSecretRead(Dictionary<string, JsonElement> attributes, JsonElement parameters, string eventSource, string eventName)
    {
        switch (eventSource, eventName)
        {
            case ("secretsmanager.amazonaws.com", "GetSecretValue"):
                JsonFields.AddText(attributes, SecretReadAttribute, parameters.String("secretId"));
                break;
            case ("ssm.amazonaws.com", "GetParameter" or "GetParameters")
                when parameters.Child("withDecryption") is { ValueKind: JsonValueKind.True }:
                var names = new List<string>();
                if (parameters.String("name") is { Length: > 0 } single)
                {
                    names.Add(single);
                }

                if (parameters.Child("names") is { ValueKind: JsonValueKind.Array } many)
                {
                    foreach (var item in many.EnumerateArray())
                    {
                        if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } name)
                        {
                            names.Add(name);
                        }
                    }
                }

                if (names.Count > 0)
                {
                    attributes[SecretReadAttribute] = JsonFields.Of(names);
                }

                break;
        }
    }

    /// <summary>
    /// CloudTrail writes EC2's lists as <c>{"items":[…]}</c>; a plain array is read too, and an object without
    /// <c>items</c> is a list of one (the query API's shape for one item).
    /// </summary>
    private static IEnumerable<JsonElement> Items(JsonElement? list)
    {
        if (list is { ValueKind: JsonValueKind.Object } o)
        {
            if (o.Child("items") is not { } items)
            {
                return [o];
            }

            list = items;
        }

        return list is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object) : [];
    }

    /// <summary>
    /// The id of a record written without <c>eventID</c> (CloudTrail gives every record one; hand-made and exported records
    /// may not): a digest of what names the call, so the same record delivered twice is one event. Without
    /// <c>eventTime</c>, of the whole record.
    /// </summary>
    private static string DerivedId(JsonElement record)
    {
        if (record.String("eventTime") is not { Length: > 0 } time)
        {
            return DerivedIds.Of(DerivedIdPrefix, record.GetRawText());
        }

        var identity = record.Child("userIdentity");
        return DerivedIds.Of(
            DerivedIdPrefix, time, record.String("eventSource"), record.String("eventName"), identity.String("arn"),
            identity.String("principalId"), identity.String("invokedBy"), record.String("sourceIPAddress"), record.String("requestID"),
            record.String("recipientAccountId"));
    }

    private static string Clip(string text, int maxLength) => ItemError.Clip(text, maxLength - 1);
}
