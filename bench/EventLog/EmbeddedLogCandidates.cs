using System.Threading.Channels;
using Dapper;
using Microsoft.Data.Sqlite;
using ZtStream.Platform.EventLog;

namespace ZtStream.Benchmarks.EventLog;

/// <summary>
/// The candidate the durable embedded log was measured against (issue 10): the same partitioned log kept in one
/// SQLite database in WAL mode with <c>synchronous=FULL</c> (so a commit is on disk, as the file log's fsync), appends
/// group-committed by one writer exactly as the file log does (every batch queued while the previous transaction
/// commits goes into the next one), and reads by offset range in batches. Only what the benchmark needs: append
/// and read, no groups or retention.
/// </summary>
internal sealed class SqliteWalLogCandidate : IAsyncDisposable
{
    private const string Schema = """
        PRAGMA journal_mode=WAL;
        PRAGMA synchronous=FULL;
        CREATE TABLE IF NOT EXISTS records (
            topic TEXT NOT NULL, partition_id INTEGER NOT NULL, record_offset INTEGER NOT NULL,
            timestamp_ms INTEGER NOT NULL, record_key TEXT NOT NULL, headers BLOB, value BLOB NOT NULL,
            PRIMARY KEY (topic, partition_id, record_offset)) WITHOUT ROWID;
        """;

    private const string Insert = """
        INSERT INTO records (topic, partition_id, record_offset, timestamp_ms, record_key, headers, value)
        VALUES ($topic, $partition, $offset, $ts, $key, $headers, $value)
        """;

    private const string Select = """
        SELECT record_offset, timestamp_ms, record_key, value FROM records
        WHERE topic = $topic AND partition_id = $partition AND record_offset >= $from
        ORDER BY record_offset LIMIT $max
        """;

    private readonly string _connectionString;
    private readonly int _partitions;
    private readonly long[] _next;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public SqliteWalLogCandidate(string path, int partitions)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
        _partitions = partitions;
        _next = new long[partitions];
        using (var connection = new SqliteConnection(_connectionString))
        {
            connection.Open();
            connection.Execute(Schema);
        }

        _writer = Task.Factory.StartNew(WriteLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public async Task AppendAsync(string topic, IReadOnlyList<LogRecord> records)
    {
        var pending = new Pending(topic, records, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending);
        await pending.Done.Task;
    }

    public async Task<int> ReadAllAsync(string topic, int partition, int batch)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = Select;
        var topicParameter = command.Parameters.Add("$topic", SqliteType.Text);
        var partitionParameter = command.Parameters.Add("$partition", SqliteType.Integer);
        var fromParameter = command.Parameters.Add("$from", SqliteType.Integer);
        command.Parameters.AddWithValue("$max", batch);
        topicParameter.Value = topic;
        partitionParameter.Value = partition;
        long from = 0;
        var total = 0;
        while (true)
        {
            fromParameter.Value = from;
            var read = 0;
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    // Materialise what a consumer gets: offset, time, key and a value it owns.
                    _ = new ConsumedRecord(topic, partition, reader.GetInt64(0), reader.GetString(2), (byte[])reader.GetValue(3), new Dictionary<string, string>(), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)));
                    from = reader.GetInt64(0) + 1;
                    read++;
                }
            }

            total += read;
            if (read < batch)
            {
                return total;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.Complete();
        await _writer;
        SqliteConnection.ClearAllPools();
    }

    private async Task WriteLoop()
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        var group = new List<Pending>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (_queue.Reader.TryRead(out var pending))
            {
                group.Add(pending);
            }

            await using (var transaction = await connection.BeginTransactionAsync())
            await using (var command = connection.CreateCommand())
            {
                command.Transaction = (SqliteTransaction)transaction;
                command.CommandText = Insert;
                var topic = command.Parameters.Add("$topic", SqliteType.Text);
                var partition = command.Parameters.Add("$partition", SqliteType.Integer);
                var offset = command.Parameters.Add("$offset", SqliteType.Integer);
                var ts = command.Parameters.Add("$ts", SqliteType.Integer);
                var key = command.Parameters.Add("$key", SqliteType.Text);
                var headers = command.Parameters.Add("$headers", SqliteType.Blob);
                var value = command.Parameters.Add("$value", SqliteType.Blob);
                command.Prepare();
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                foreach (var pending in group)
                {
                    foreach (var record in pending.Records)
                    {
                        var p = Murmur2Partitioner.PartitionFor(record.Key, _partitions);
                        topic.Value = pending.Topic;
                        partition.Value = p;
                        offset.Value = _next[p]++;
                        ts.Value = now;
                        key.Value = record.Key;
                        headers.Value = DBNull.Value;
                        value.Value = record.Value.ToArray();
                        await command.ExecuteNonQueryAsync();
                    }
                }

                await transaction.CommitAsync();
            }

            foreach (var pending in group)
            {
                pending.Done.SetResult();
            }

            group.Clear();
        }
    }

    private sealed record Pending(string Topic, IReadOnlyList<LogRecord> Records, TaskCompletionSource Done);
}
