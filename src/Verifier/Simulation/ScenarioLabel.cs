namespace ZtStream.Verifier.Simulation;

/// <summary>Ground truth of one injected attack: which principal, which events. Every member is required in a labels file.</summary>
internal sealed record ScenarioLabel(
    [property: JsonRequired] string Scenario,
    [property: JsonRequired] string Principal,
    [property: JsonRequired] DateTimeOffset Start,
    [property: JsonRequired] IReadOnlyList<string> EventIds)
{
    /// <summary>The member a label read from a file holds null in (<c>event_ids[1]</c>), or null when it holds none.</summary>
    public string? NullMember()
    {
        if (Scenario is null)
        {
            return "scenario";
        }

        if (Principal is null)
        {
            return "principal";
        }

        if (EventIds is null)
        {
            return "event_ids";
        }

        for (var i = 0; i < EventIds.Count; i++)
        {
            if (EventIds[i] is null)
            {
                return string.Create(CultureInfo.InvariantCulture, $"event_ids[{i}]");
            }
        }

        return null;
    }
}
