using System.Net.Sockets;

namespace ZtStream.Platform.Faults;

/// <summary>
/// Tells a failure that will go away on its own (a store, bus or log that is down, busy or failing over) from one
/// that will happen again on every attempt (malformed input, a handler bug). Only the second kind may ever end in a
/// dead-letter topic; the first is retried with backoff while the consumer reports itself degraded.
/// </summary>
internal static class TransientFaults
{
    // RabbitMQ and MassTransit types are matched by name: the Platform does not reference RabbitMQ.Client directly.
    private static readonly HashSet<string> TransientTypeNames = new(StringComparer.Ordinal)
    {
        "RabbitMQ.Client.Exceptions.BrokerUnreachableException",
        "RabbitMQ.Client.Exceptions.AlreadyClosedException",
        "RabbitMQ.Client.Exceptions.ConnectFailureException",
        "RabbitMQ.Client.Exceptions.OperationInterruptedException",
        "MassTransit.RabbitMqConnectionException",
        "MassTransit.RequestTimeoutException",
        "MassTransit.ConnectionException",
        "MassTransit.TransportUnavailableException",
    };

    public static bool IsTransient(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var depth = 0; depth < 8 && exception is not null; depth++)
        {
            if (IsTransientItself(exception))
            {
                return true;
            }

            if (exception is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsTransient);
            }

            exception = exception.InnerException!;
        }

        return false;
    }

    private static bool IsTransientItself(Exception exception) => exception switch
    {
        TransientException or EventLogUnavailableException or TimeoutException or SocketException => true,
        HttpRequestException http => http.StatusCode is null || (int)http.StatusCode.Value is 408 or 429 or >= 500,
        PostgresException postgres => postgres.IsTransient
            || postgres.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exceptions
            || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal) // operator intervention: shutdown, cannot connect now
            || postgres.SqlState.StartsWith("53", StringComparison.Ordinal), // insufficient resources (disk full, too many connections)
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or SocketException or TimeoutException,
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 /* BUSY */ or 6 /* LOCKED */ or 8 /* READONLY: permissions, a read-only filesystem */ or 10 /* IOERR */ or 13 /* FULL */ or 14 /* CANTOPEN */,
        IOException io => io is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException or EndOfStreamException),
        _ => TransientTypeNames.Contains(exception.GetType().FullName ?? string.Empty),
    };
}
