namespace ZtStream.Ingest.Sources.Aws;

/// <summary>
/// What a policy document in a CloudTrail record's <c>requestParameters</c> grants, lifted into attributes a rule reads
/// whole: an IAM policy (<c>policyDocument</c> of <c>CreatePolicy</c>, <c>CreatePolicyVersion</c>, <c>Put*Policy</c>, and a
/// role's trust policy in <c>UpdateAssumeRolePolicy</c>), a new role's trust policy (<c>assumeRolePolicyDocument</c>) and
/// an S3 bucket policy (<c>bucketPolicy</c>). IAM writes its documents as JSON text (sometimes URL-encoded), S3 as an object;
/// both are read. Each Allow statement is judged on its own, so an action of one statement and a resource of another
/// never make a grant together.
/// </summary>
internal static class CloudTrailPolicies
{
    private static readonly string[] Members = ["policyDocument", "assumeRolePolicyDocument", "bucketPolicy"];

    public static void Add(Dictionary<string, JsonElement> attributes, JsonElement parameters, string? account)
    {
        var allowsAll = false;
        var outside = new List<string>();
        foreach (var member in Members)
        {
            if (Document(parameters.Child(member)) is not { } document)
            {
                continue;
            }

            using (document)
            {
                foreach (var statement in Statements(document.RootElement))
                {
                    if (statement.String("Effect") != "Allow")
                    {
                        continue;
                    }

                    allowsAll |= statement.Child("NotAction") is null && Values(statement.Child("Action")).Any(a => a is "*" or "*:*")
                        && statement.Child("NotResource") is null && Values(statement.Child("Resource")).Contains("*");
                    if (statement.Child("Condition") is null)
                    {
                        outside.AddRange(Principals(statement.Child("Principal")).Where(p => IsOutside(p, account)));
                    }
                }
            }
        }

        if (allowsAll)
        {
            attributes[CloudTrailMapper.AllowsAllAttribute] = JsonFields.Of(true);
        }

        if (outside.Count > 0)
        {
            attributes[CloudTrailMapper.OutsidePrincipalsAttribute] = JsonFields.Of(outside.Distinct(StringComparer.Ordinal).ToList());
        }
    }

    /// <summary>The document as an object: given as one, or as JSON text, plain or URL-encoded.</summary>
    private static JsonDocument? Document(JsonElement? given)
    {
        switch (given)
        {
            case { ValueKind: JsonValueKind.Object } o:
                return JsonDocument.Parse(o.GetRawText());
            case { ValueKind: JsonValueKind.String } s:
                var text = s.GetString()!.Trim();
                if (text.StartsWith('%'))
                {
                    text = Uri.UnescapeDataString(text);
                }

                try
                {
                    var document = JsonDocument.Parse(text);
                    if (document.RootElement.ValueKind == JsonValueKind.Object)
                    {
                        return document;
                    }

                    document.Dispose();
                }
                catch (JsonException)
                {
                    // Not a document: nothing is lifted, and the text stays in raw.
                }

                return null;
            default:
                return null;
        }
    }

    private static IEnumerable<JsonElement> Statements(JsonElement document) => document.Child("Statement") switch
    {
        { ValueKind: JsonValueKind.Array } list => list.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object),
        { ValueKind: JsonValueKind.Object } one => [one],
        _ => [],
    };

    /// <summary>A string or a list of strings, as policy grammar allows for Action, Resource and each principal type.</summary>
    private static IEnumerable<string> Values(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.String } s => [s.GetString()!],
        { ValueKind: JsonValueKind.Array } a => a.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!),
        _ => [],
    };

    /// <summary><c>"Principal": "*"</c>, or the <c>AWS</c> principals of <c>"Principal": {"AWS": …}</c>; services and identity providers are not accounts.</summary>
    private static IEnumerable<string> Principals(JsonElement? principal) => principal switch
    {
        { ValueKind: JsonValueKind.String } s => [s.GetString()!],
        { ValueKind: JsonValueKind.Object } o => Values(o.Child("AWS")),
        _ => [],
    };

    /// <summary><c>*</c>, or an account id or an ARN naming an account other than <paramref name="account"/>.</summary>
    private static bool IsOutside(string principal, string? account)
    {
        if (principal == "*")
        {
            return true;
        }

        var named = principal.StartsWith("arn:", StringComparison.Ordinal) && principal.Split(':') is { Length: >= 6 } parts ? parts[4] : principal;
        return named.Length == 12 && named.All(char.IsAsciiDigit) && named != account;
    }
}
