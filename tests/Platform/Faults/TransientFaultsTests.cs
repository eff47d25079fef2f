using System.Net.Sockets;
using System.Text.Json;
using Npgsql;

namespace ZtStream.Platform.Tests.Faults;

public sealed class TransientFaultsTests
{
    public static TheoryData<Exception> Transient =>
    [
        new SqliteException("database is locked", 5),
        new SqliteException("database table is locked", 6),
        new SqliteException("attempt to write a readonly database", 8),
        new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01"),
        new PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03"),
        new PostgresException("could not extend file: No space left on device", "ERROR", "ERROR", "53100"),
        new NpgsqlException("Exception while connecting", new SocketException((int)SocketError.ConnectionRefused)),
        new TimeoutException("the store did not answer"),
        new EventLogUnavailableException("full", TimeSpan.FromSeconds(1)),
        new HttpRequestException("connection refused"),
        new InvalidOperationException("wrapped", new SocketException((int)SocketError.ConnectionReset)),
        new AggregateException(new TimeoutException("a"), new SqliteException("busy", 5)),
        new TransientException("down for maintenance"),
    ];

    public static TheoryData<Exception> Deterministic =>
    [
        new JsonException("'x' is an invalid start of a value"),
        new InvalidOperationException("a handler bug"),
        new NullReferenceException(),
        new SqliteException("UNIQUE constraint failed", 19),
        new PostgresException("null value in column violates not-null constraint", "ERROR", "ERROR", "23502"),
        new HttpRequestException("bad request", null, System.Net.HttpStatusCode.BadRequest),
        new AggregateException(new TimeoutException("a"), new InvalidOperationException("bug")),
        new PoisonRecordException("schema 9"),
    ];

    [Theory]
    [MemberData(nameof(Transient))]
    public void IsTransient_OutagesBusyStoresAndTimeouts_True(Exception exception) => Assert.True(TransientFaults.IsTransient(exception));

    [Theory]
    [MemberData(nameof(Deterministic))]
    public void IsTransient_BadDataAndBugs_False(Exception exception) => Assert.False(TransientFaults.IsTransient(exception));
}
