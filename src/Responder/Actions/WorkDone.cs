namespace ZtStream.Responder.Actions;

/// <summary>What the drivers did for a command.</summary>
/// <param name="StaysActive">True for an isolation now in force (released later).</param>
internal sealed record WorkDone(string Detail, bool Changed, bool StaysActive = false);
