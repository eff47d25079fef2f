namespace ZtStream.Verifier.Simulation;

/// <summary>A generated event and, for attack traffic, the scenario it belongs to.</summary>
internal readonly record struct SimulatedEvent(Contracts.Events.AccessEvent Event, string? Scenario);
