using System.Text.Encodings.Web;

namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// The cloudtrail plugin's fields (falcosecurity/plugins, <c>plugins/cloudtrail/pkg/cloudtrail/extract.go</c>), read from
/// the CloudTrail record the <c>aws-cloudtrail</c> source keeps as the event's <c>raw</c>, with the plugin's semantics:
/// a member the record does not have is no value (<c>&lt;NA&gt;</c>, every comparison false); a member it has that is not
/// a string is the empty string (the plugin takes its string bytes, none for a number, an object or null), so
/// <c>"errorCode": null</c> is an error that <c>exists</c>. <c>ct.request</c>, <c>ct.response</c> and
/// <c>ct.additionaleventdata</c> are the member's JSON, compact, <c>null</c> included.
/// </summary>
internal static partial class FalcoFieldCatalog
{
    private const string AmazonAws = ".amazonaws.com";

    private static readonly JsonWriterOptions CompactJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static void AddCloudTrail(Dictionary<string, Spec> f)
    {
        var ct = FalcoSource.AwsCloudTrail;
        void Text(string name, params string[] path) => f[name] = Spec.Computed(ct, slots => TextAt(slots.Path(path)));
        void Json(string name, string member) => f[name] = Spec.Computed(ct, slots => JsonAt(slots.Path(member)));
        void Computed(string name, Func<FalcoSlots, FalcoComputedField.Compute> compute) => f[name] = Spec.Computed(ct, compute);

        Text("ct.id", "eventID");
        Text("ct.error", "errorCode");
        Text("ct.errormessage", "errorMessage");
        Text("ct.time", "eventTime");
        Text("ct.src", "eventSource");
        Computed("ct.shortsrc", slots => Derived(slots.Path("eventSource"), source =>
        {
            var text = TextOf(source);
            return text.Length > AmazonAws.Length && text.EndsWith(Encoding.UTF8.GetBytes(AmazonAws)) ? text[..^AmazonAws.Length].ToArray() : text.ToArray();
        }));
        Text("ct.name", "eventName");
        Computed("ct.user", CloudTrailUser);
        Computed("ct.user.accountid", slots => FirstOf(slots.Path("userIdentity", "accountId"), slots.Path("recipientAccountId")));
        Text("ct.user.identitytype", "userIdentity", "type");
        Text("ct.user.principalid", "userIdentity", "principalId");
        Text("ct.user.arn", "userIdentity", "arn");
        Text("ct.region", "awsRegion");
        Text("ct.response.subnetid", "responseElements", "subnetId");
        Text("ct.response.reservationid", "responseElements", "reservationId");
        Json("ct.response", "responseElements");
        Text("ct.request.availabilityzone", "requestParameters", "availabilityZone");
        Text("ct.request.cluster", "requestParameters", "cluster");
        Text("ct.request.functionname", "requestParameters", "functionName");
        Text("ct.request.groupname", "requestParameters", "groupName");
        Text("ct.request.host", "requestParameters", "Host");
        Text("ct.request.name", "requestParameters", "name");
        Text("ct.request.policy", "requestParameters", "policy");
        Text("ct.request.serialnumber", "requestParameters", "serialNumber");
        Text("ct.request.servicename", "requestParameters", "serviceName");
        Text("ct.request.subnetid", "requestParameters", "subnetId");
        Text("ct.request.taskdefinition", "requestParameters", "taskDefinition");
        Text("ct.request.username", "requestParameters", "userName");
        Json("ct.request", "requestParameters");
        Text("ct.srcip", "sourceIPAddress");
        Text("ct.useragent", "userAgent");
        Computed("ct.info", CloudTrailInfo);
        Computed("ct.managementevent", slots => Flag(slots.Path("managementEvent")));
        Computed("ct.readonly", slots => Flag(slots.Path("readOnly")));
        Text("ct.requestid", "requestID");
        Text("ct.eventtype", "eventType");
        Text("ct.apiversion", "apiVersion");
        Computed("ct.resources", slots => Derived(slots.Path("resources"), Resources));
        Text("ct.recipientaccountid", "recipientAccountId");

        // serviceEventDetails and edgeDeviceDetails are objects in CloudTrail's records: read as strings, as the plugin
        // reads them, they are "" when present.
        Text("ct.serviceeventdetails", "serviceEventDetails");
        Text("ct.sharedeventid", "sharedEventID");
        Text("ct.vpcendpointid", "vpcEndpointId");
        Text("ct.eventcategory", "eventCategory");
        Text("ct.addendum.reason", "addendum", "reason");
        Text("ct.addendum.updatedfields", "addendum", "updatedFields");
        Text("ct.addendum.originalrequestid", "addendum", "originalRequestID");
        Text("ct.addendum.originaleventid", "addendum", "originalEventID");

        // CloudTrail writes this one as the string "true"; the plugin reads a JSON boolean, so that is "false" there too.
        Computed("ct.sessioncredentialfromconsole", slots => Flag(slots.Path("sessionCredentialFromConsole")));
        Text("ct.edgedevicedetails", "edgeDeviceDetails");
        Text("ct.tlsdetails.tlsversion", "tlsDetails", "tlsVersion");
        Text("ct.tlsdetails.ciphersuite", "tlsDetails", "cipherSuite");
        Text("ct.tlsdetails.clientprovidedhostheader", "tlsDetails", "clientProvidedHostHeader");
        Json("ct.additionaleventdata", "additionalEventData");

        Text("s3.bucket", "requestParameters", "bucketName");
        Text("s3.key", "requestParameters", "key");
        Computed("s3.uri", S3Uri);
        Computed("s3.bytes", slots => Bytes(slots.Path("additionalEventData", "bytesTransferredIn"), slots.Path("additionalEventData", "bytesTransferredOut")));
        Computed("s3.bytes.in", slots => Bytes(slots.Path("additionalEventData", "bytesTransferredIn"), null));
        Computed("s3.bytes.out", slots => Bytes(slots.Path("additionalEventData", "bytesTransferredOut"), null));
        Computed("s3.cnt.get", slots => Count(slots.Path("eventName"), "GetObject"));
        Computed("s3.cnt.put", slots => Count(slots.Path("eventName"), "PutObject"));
        Computed("s3.cnt.other", slots => Count(slots.Path("eventName"), null, other: true));
        Computed("ec2.name", slots => Derived(slots.Path("requestParameters", "tagSpecificationSet", "items"), InstanceName));

        // The plugin reads the image of the first item of responseElements.tagSpecificationSet, where RunInstances
        // writes none (its instances are in instancesSet): as there, no value unless a record has one.
        Computed("ec2.imageid", slots => Derived(slots.Path("responseElements", "tagSpecificationSet", "items", "0", "imageId"), image =>
            TextOf(image) is { Length: > 0 } id ? id.ToArray() : null));
        Text("ecr.repository", "requestParameters", "repositoryName");
        Text("ecr.imagetag", "requestParameters", "imageTag");
        Text("iam.role", "requestParameters", "roleName");
        Text("iam.policy", "requestParameters", "policyName");
    }

    /// <summary>A member's string, the empty string when the member is not one (the plugin's <c>GetStringBytes</c>).</summary>
    private static ReadOnlySpan<byte> TextOf(JsonElement value) => value.ValueKind == JsonValueKind.String ? FalcoJson.Utf8(value) : default;

    private static FalcoComputedField.Compute TextAt(FalcoRootPath path) => Derived(path, v => TextOf(v).ToArray());

    private static FalcoComputedField.Compute FirstOf(FalcoRootPath first, FalcoRootPath second) =>
        (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = first.TryGet(e, out var v) || second.TryGet(e, out v) ? TextOf(v).ToArray() : null;
            return array is not null;
        };

    private static FalcoComputedField.Compute JsonAt(FalcoRootPath path) => Derived(path, Compact);

    private static byte[] Compact(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, CompactJson))
        {
            value.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>"true" for a JSON true, "false" for any other value, no value when the member is missing.</summary>
    private static FalcoComputedField.Compute Flag(FalcoRootPath path) => Derived(path, v => v.ValueKind == JsonValueKind.True ? True : False);

    /// <summary>
    /// <c>ct.user</c>, by <c>userIdentity.type</c>: an IAM user's or the root user's <c>userName</c>, an AWS service's
    /// <c>invokedBy</c>, an assumed role's <c>sessionContext.sessionIssuer.userName</c> (else "AssumedRole"), "AWSAccount"
    /// and "FederatedUser" for those types. Any other type (IdentityCenterUser, WebIdentityUser …), or a user or service
    /// record without that member, is no value.
    /// </summary>
    private static FalcoComputedField.Compute CloudTrailUser(FalcoSlots slots)
    {
        var type = slots.Path("userIdentity", "type");
        var userName = slots.Path("userIdentity", "userName");
        var invokedBy = slots.Path("userIdentity", "invokedBy");
        var issuer = slots.Path("userIdentity", "sessionContext", "sessionIssuer", "userName");
        return (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = User(e, type, userName, invokedBy, issuer);
            return array is not null;
        };
    }

    private static byte[]? User(in FalcoEvent e, FalcoRootPath type, FalcoRootPath userName, FalcoRootPath invokedBy, FalcoRootPath issuer)
    {
        if (!type.TryGet(e, out var t) || t.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        JsonElement name;
        switch (FalcoJson.Text(t))
        {
            case "Root" or "IAMUser":
                return userName.TryGet(e, out name) ? TextOf(name).ToArray() : null;
            case "AWSService":
                return invokedBy.TryGet(e, out name) ? TextOf(name).ToArray() : null;
            case "AssumedRole":
                return issuer.TryGet(e, out name) ? TextOf(name).ToArray() : "AssumedRole"u8.ToArray();
            case "AWSAccount":
                return "AWSAccount"u8.ToArray();
            case "FederatedUser":
                return "FederatedUser"u8.ToArray();
            default:
                return null;
        }
    }

    /// <summary>
    /// <c>ct.info</c>, the plugin's summary: <c>USER via SRCIP [!]←|→ NAME</c> (<c>!</c> for an error, <c>→</c> for a call
    /// that is not read-only, no "via" when the user is the address), then for PutBucketPublicAccessBlock the four
    /// settings, else the S3 size and the first of URI, bucket, key or host. A record without a user, an address or a
    /// name says so in the text, as the plugin does.
    /// </summary>
    private static FalcoComputedField.Compute CloudTrailInfo(FalcoSlots slots)
    {
        var user = CloudTrailUser(slots);
        var address = TextAt(slots.Path("sourceIPAddress"));
        var error = slots.Path("errorCode");
        var readOnly = slots.Path("readOnly");
        var name = TextAt(slots.Path("eventName"));
        var accessBlock = slots.Path("requestParameters", "PublicAccessBlockConfiguration");
        var size = Bytes(slots.Path("additionalEventData", "bytesTransferredIn"), slots.Path("additionalEventData", "bytesTransferredOut"));
        var uri = S3Uri(slots);
        var bucket = TextAt(slots.Path("requestParameters", "bucketName"));
        var key = TextAt(slots.Path("requestParameters", "key"));
        var host = TextAt(slots.Path("requestParameters", "Host"));
        var top = new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" }.Select(k => slots.Path(k)).ToArray();
        return (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = Encoding.UTF8.GetBytes(Info(e));
            return true;
        };

        string Info(in FalcoEvent e)
        {
            if (Value(e, user) is not { } who)
            {
                return "<invalid cloudtrail event: userIdentity field missing>";
            }

            // The plugin's own wording for a record without sourceIPAddress.
            if (Value(e, address) is not { } from)
            {
                return "<invalid cloudtrail event: eventSource field missing>";
            }

            var failed = error.TryGet(e, out _) ? "!" : "";
            var writes = readOnly.TryGet(e, out var ro) && ro.ValueKind != JsonValueKind.True ? "→" : "←";
            if (Value(e, name) is not { } call)
            {
                return "<invalid cloudtrail event: eventName field missing>";
            }

            var info = who == from ? $"{who} {failed}{writes} {call}" : $"{who} via {from} {failed}{writes} {call}";
            if (call == "PutBucketPublicAccessBlock")
            {
                // The plugin reads the four settings from the record's top level, not from the configuration: false unless
                // a record has them there.
                if (accessBlock.TryGet(e, out var block) && block.ValueKind == JsonValueKind.Object)
                {
                    info += $" BlockPublicAcls={Bool(e, top[0])} BlockPublicPolicy={Bool(e, top[1])} IgnorePublicAcls={Bool(e, top[2])} RestrictPublicBuckets={Bool(e, top[3])} ";
                }

                return info;
            }

            if (Value(e, size) is { } bytes)
            {
                info += $" Size={bytes}";
            }

            return Value(e, uri) is { } u ? $"{info} URI={u}"
                : Value(e, bucket) is { } b ? $"{info} Bucket={b}"
                : Value(e, key) is { } k ? $"{info} Key={k}"
                : Value(e, host) is { } h ? $"{info} Host={h}"
                : info;
        }

        static string Bool(in FalcoEvent e, FalcoRootPath path) => path.TryGet(e, out var v) && v.ValueKind == JsonValueKind.True ? "true" : "false";
    }

    private static string? Value(in FalcoEvent e, FalcoComputedField.Compute compute)
    {
        Span<byte> buffer = stackalloc byte[64];
        return compute(e, buffer, out var written, out var array) ? Encoding.UTF8.GetString(array ?? buffer[..written]) : null;
    }

    /// <summary><c>ct.resources</c>: each element of a non-empty <c>resources</c> array as JSON, joined by commas.</summary>
    private static byte[]? Resources(JsonElement resources)
    {
        if (resources.ValueKind != JsonValueKind.Array || resources.GetArrayLength() == 0)
        {
            return null;
        }

        return Encoding.UTF8.GetBytes(string.Join(',', resources.EnumerateArray().Select(r => Encoding.UTF8.GetString(Compact(r)))));
    }

    /// <summary><c>s3.uri</c>: <c>s3://BUCKET/KEY</c> when the request names both as strings.</summary>
    private static FalcoComputedField.Compute S3Uri(FalcoSlots slots)
    {
        var bucket = slots.Path("requestParameters", "bucketName");
        var key = slots.Path("requestParameters", "key");
        return (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = bucket.TryGet(e, out var b) && b.ValueKind == JsonValueKind.String && key.TryGet(e, out var k) && k.ValueKind == JsonValueKind.String
                ? Encoding.UTF8.GetBytes($"s3://{FalcoJson.Text(b)}/{FalcoJson.Text(k)}")
                : null;
            return array is not null;
        };
    }

    /// <summary>The bytes an S3 call moved (a number, whole or not; anything else counts 0), when either member is there.</summary>
    private static FalcoComputedField.Compute Bytes(FalcoRootPath first, FalcoRootPath? second) =>
        (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            array = null;
            written = 0;
            var one = first.TryGet(e, out var a);
            var two = second is not null && second.TryGet(e, out var b) ? Number(b) : (ulong?)null;
            if (!one && two is null)
            {
                return false;
            }

            var total = (one ? Number(a) : 0) + (two ?? 0);
            return total.TryFormat(buffer, out written, default, CultureInfo.InvariantCulture);
        };

    private static ulong Number(JsonElement value) =>
        value.ValueKind != JsonValueKind.Number ? 0
        : value.TryGetUInt64(out var whole) ? whole
        : value.TryGetDouble(out var d) && d >= 0 && d < ulong.MaxValue ? (ulong)d
        : 0;

    /// <summary>
    /// <c>s3.cnt.*</c>: 1 when the call's name (the empty string when it has none) is <paramref name="name"/>, or with
    /// <paramref name="other"/> is neither GetObject nor PutObject; else no value, as the plugin gives 0 as absent.
    /// </summary>
    private static FalcoComputedField.Compute Count(FalcoRootPath eventName, string? name, bool other = false)
    {
        var wanted = name is null ? null : Encoding.UTF8.GetBytes(name);
        return (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            var called = eventName.TryGet(e, out var n) ? TextOf(n) : default;
            var counted = other ? !called.SequenceEqual("GetObject"u8) && !called.SequenceEqual("PutObject"u8) : called.SequenceEqual(wanted);
            array = counted ? One : null;
            return counted;
        };
    }

    private static readonly byte[] One = "1"u8.ToArray();

    /// <summary><c>ec2.name</c>: the <c>Name</c> tag of the request's instance tag specifications (the last such item's).</summary>
    private static byte[]? InstanceName(JsonElement items)
    {
        if (items.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var name = "";
        foreach (var item in items.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("resourceType"u8, out var type)
                || !TextOf(type).SequenceEqual("instance"u8)
                || !item.TryGetProperty("tags"u8, out var tags) || tags.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var tag in tags.EnumerateArray())
            {
                if (tag.ValueKind == JsonValueKind.Object && tag.TryGetProperty("key"u8, out var key) && key.ValueKind == JsonValueKind.String && key.ValueEquals("Name"u8))
                {
                    name = tag.TryGetProperty("value"u8, out var value) ? Encoding.UTF8.GetString(TextOf(value)) : "";
                    break;
                }
            }
        }

        return name.Length > 0 ? Encoding.UTF8.GetBytes(name) : null;
    }
}
