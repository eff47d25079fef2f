namespace ZtStream.Platform.Http;

/// <summary>
/// The members of a request body that its type does not take, and those named twice, found from the type's own JSON
/// contract (the names the serializer binds, at any depth). The serializer would drop the first silently and keep the
/// last copy of the second; a request that says <c>reasn</c> or names <c>assignee</c> twice means something other than
/// what would be done, so <see cref="Problems.ReadJsonAsync"/> refuses it naming the member.
/// </summary>
internal static class JsonMembers
{
    /// <summary>
    /// Why the serializer could not read a body as <paramref name="type"/>, as an item error: the field from the
    /// exception's path and, for a value of the wrong JSON type, what that field takes — in JSON's words, as
    /// <see cref="Check"/> speaks. The serializer's own message names .NET types (<c>System.Int64</c>, the request's
    /// record), which say nothing to a client and show the inside of the server.
    /// </summary>
    public static ItemError Unreadable(JsonException exception, JsonTypeInfo type)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(type);
        var path = exception.Path ?? "$";
        var field = path == "$" ? "$" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        var at = exception.LineNumber is { } line && exception.BytePositionInLine is { } column
            ? $" (line {(line + 1).ToString(CultureInfo.InvariantCulture)}, byte {(column + 1).ToString(CultureInfo.InvariantCulture)})"
            : string.Empty;
        var message = exception.Message;
        if (message.StartsWith("The JSON value could not be converted to ", StringComparison.Ordinal))
        {
            return new ItemError(0, field, $"expected {Takes(TypeAt(type, path))}{at}");
        }

        if (message.Contains("missing required properties", StringComparison.Ordinal))
        {
            var names = message[(message.IndexOf("including:", StringComparison.Ordinal) is var i and >= 0 ? i + 10 : message.Length)..].Trim(' ', '.');
            return new ItemError(0, field, $"missing required members: {names}");
        }

        // A syntax error: the reader's words name characters and positions, never types.
        return new ItemError(0, field, $"not valid JSON: {ReaderWords(exception)}{at}");
    }

    /// <summary>
    /// The reader's words of a syntax error without the tail it adds (" Path: $ | LineNumber: 0 | BytePositionInLine: 9."):
    /// its path and zero-based positions, which the caller says in its own words, one-based.
    /// </summary>
    public static string ReaderWords(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var message = exception.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal) is var p and >= 0 ? p
            : message.IndexOf(" LineNumber: ", StringComparison.Ordinal) is var l and >= 0 ? l : message.Length;
        return message[..cut].TrimEnd();
    }

    /// <summary>The contract of the value at <paramref name="path"/> (<c>$.items[0].status</c>) below <paramref name="type"/>; null past what it names.</summary>
    private static JsonTypeInfo? TypeAt(JsonTypeInfo type, string path)
    {
        JsonTypeInfo? at = type;
        foreach (var step in path.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = step.Split('[')[0];
            var property = at?.Properties.FirstOrDefault(p => string.Equals(p.Name, name,
                at.Options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal));
            at = property is null ? null : at!.Options.GetTypeInfo(property.PropertyType);
            for (var i = step.IndexOf('[', StringComparison.Ordinal); i >= 0 && at is not null; i = step.IndexOf('[', i + 1))
            {
                at = at.ElementType is { } element ? at.Options.GetTypeInfo(element) : null;
            }
        }

        return at;
    }

    /// <summary>What a value of <paramref name="type"/> is in JSON.</summary>
    private static string Takes(JsonTypeInfo? type)
    {
        if (type is null)
        {
            return "another JSON type";
        }

        var clr = Nullable.GetUnderlyingType(type.Type) ?? type.Type;
        var orNull = clr != type.Type || !type.Type.IsValueType ? " or null" : string.Empty;
        var what = type.Kind switch
        {
            JsonTypeInfoKind.Enumerable => "an array",
            JsonTypeInfoKind.Dictionary or JsonTypeInfoKind.Object => "an object",
            _ when clr == typeof(string) => "a string",
            _ when clr == typeof(bool) => "true or false",
            _ when clr == typeof(DateTimeOffset) || clr == typeof(DateTime) => "an RFC 3339 time as a string",
            _ when clr == typeof(Guid) => "a UUID as a string",
            _ when clr == typeof(TimeSpan) => "a duration as a string (hh:mm:ss)",
            _ when clr.IsEnum => "a string",
            _ when clr == typeof(double) || clr == typeof(float) || clr == typeof(decimal) => "a number",
            _ when clr.IsPrimitive => "an integer",
            _ => "another JSON type",
        };
        return what + orNull;
    }

    public static List<ItemError> Check(JsonElement body, JsonTypeInfo type)
    {
        var errors = new List<ItemError>();
        Check(body, type, string.Empty, errors);
        return errors;
    }

    private static void Check(JsonElement value, JsonTypeInfo type, string path, List<ItemError> errors)
    {
        if (type.Kind == JsonTypeInfoKind.Object && value.ValueKind == JsonValueKind.Object && !type.Properties.Any(p => p.IsExtensionData))
        {
            var comparer = type.Options.PropertyNameCaseInsensitive ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
            var seen = new HashSet<string>(comparer);
            foreach (var member in value.EnumerateObject())
            {
                var field = path.Length == 0 ? member.Name : $"{path}.{member.Name}";
                var property = type.Properties.FirstOrDefault(p => comparer.Equals(p.Name, member.Name));
                if (!seen.Add(member.Name))
                {
                    errors.Add(new ItemError(0, field, $"'{member.Name}' is named twice; send it once"));
                }
                else if (property is null)
                {
                    errors.Add(new ItemError(0, field, type.Properties.Count == 0
                        ? $"'{member.Name}' is not a member of this request; it takes none: send no body, or {{}}"
                        : $"'{member.Name}' is not a member of this request; it takes {string.Join(", ", type.Properties.Select(p => p.Name))}"));
                }
                else if (member.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    Check(member.Value, type.Options.GetTypeInfo(property.PropertyType), field, errors);
                }
            }
        }
        else if (type.Kind == JsonTypeInfoKind.Enumerable && value.ValueKind == JsonValueKind.Array && type.ElementType is { } element)
        {
            var elementType = type.Options.GetTypeInfo(element);
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    Check(item, elementType, $"{path}[{index}]", errors);
                }

                index++;
            }
        }
    }
}
