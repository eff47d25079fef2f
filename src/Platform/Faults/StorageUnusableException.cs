namespace ZtStream.Platform.Faults;

/// <summary>
/// The store or the event log cannot be opened as configured (a folder where a file is expected, a read-only disk, a file
/// that is not a database, a server that does not answer): the message names the setting, the place and why, so a command
/// prints it as one line and stops instead of crashing with a stack trace.
/// </summary>
internal sealed class StorageUnusableException(string message, Exception? inner = null) : Exception(message, inner);
