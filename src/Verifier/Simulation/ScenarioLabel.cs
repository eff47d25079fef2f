namespace ZtStream.Verifier.Simulation;

/// <summary>Ground truth of one injected attack: which principal, which events.</summary>
internal sealed record ScenarioLabel(string Scenario, string Principal, DateTimeOffset Start, IReadOnlyList<string> EventIds);
