namespace ZtStream.Platform.Faults;

/// <summary>
/// Thrown where a dependency is known to be unavailable for now (the caller may also wrap the original error):
/// the work is retried until it is back, never dead-lettered.
/// </summary>
internal sealed class TransientException(string message, Exception? inner = null) : Exception(message, inner);
