using ZtStream.Verifier.Rules.Detection;

namespace ZtStream.Verifier.Rules.Sigma;

/// <summary>A Sigma logsource ZtStream can evaluate: the event kinds it means, and how its field names resolve.</summary>
internal sealed record SigmaLogsource(string Product, string Service, IReadOnlyList<string> Kinds, IFieldResolver Fields);
