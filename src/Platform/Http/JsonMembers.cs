namespace ZtStream.Platform.Http;

/// <summary>
/// The members of a request body that its type does not take, and those named twice, found from the type's own JSON
/// contract (the names the serializer binds, at any depth). The serializer would drop the first silently and keep the
/// last copy of the second; a request that says <c>reasn</c> or names <c>assignee</c> twice means something other than
/// what would be done, so <see cref="Problems.ReadJsonAsync"/> refuses it naming the member.
/// </summary>
internal static class JsonMembers
{
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
