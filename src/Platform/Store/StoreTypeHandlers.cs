using System.Data;

namespace ZtStream.Platform.Store;

/// <summary>
/// Dapper type handling shared by both dialects, so a repository whose SQL is the same on SQLite and
/// PostgreSQL is written once. Dapper's handlers are process-wide, hence one handler that knows both.
/// </summary>
internal static class StoreTypeHandlers
{
    private static int registered;

    /// <summary>Registers the handlers once per process; both stores call this before their first connection.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 0)
        {
            // Dapper consults its built-in type map before handlers and would hand DateTimeOffset parameters to
            // the provider untouched (SetValue never called); without the map entry the handler sees both directions.
            SqlMapper.RemoveTypeMap(typeof(DateTimeOffset));
            SqlMapper.RemoveTypeMap(typeof(DateTimeOffset?));
            SqlMapper.AddTypeHandler(new DateTimeOffsetHandler());
        }
    }

    /// <summary>
    /// SQLite has no timestamp type: a <see cref="DateTimeOffset"/> is stored as ISO-8601 text in UTC with a
    /// fixed six-digit fraction (<c>2026-11-28T15:04:05.123456Z</c>). Fixed width and one offset make the
    /// text sort in time order, so <c>ORDER BY</c> and range comparisons work on the column as they do on
    /// PostgreSQL's <c>timestamptz</c>; microseconds (truncated) because that is what <c>timestamptz</c> keeps,
    /// so a value reads back the same from both. Values come back from both dialects with offset zero.
    /// </summary>
    internal sealed class DateTimeOffsetHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public const string SqliteFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

        public static string ToSqliteText(DateTimeOffset value) =>
            value.UtcDateTime.ToString(SqliteFormat, CultureInfo.InvariantCulture);

        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value)
        {
            if (parameter is Microsoft.Data.Sqlite.SqliteParameter)
            {
                parameter.DbType = DbType.String;
                parameter.Value = ToSqliteText(value);
            }
            else
            {
                // Npgsql writes timestamptz only from offset-zero values.
                parameter.DbType = DbType.DateTimeOffset;
                parameter.Value = value.ToUniversalTime();
            }
        }

        public override DateTimeOffset Parse(object value) => value switch
        {
            DateTimeOffset offset => offset.ToUniversalTime(),
            DateTime dateTime => new DateTimeOffset(DateTime.SpecifyKind(dateTime, DateTimeKind.Utc)),
            string text => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
            long unixMilliseconds => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds),
            _ => throw new DataException($"Cannot read a DateTimeOffset from a {value.GetType().Name}."),
        };
    }
}
