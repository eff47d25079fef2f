namespace ZtStream.Ingest.Endpoints;

/// <summary>The answer to a fully accepted batch (202).</summary>
internal sealed record AcceptedBatch(int Accepted, IReadOnlyList<string> Ids);
