namespace ZtStream.Responder.Audit;

/// <summary>Builds a WHERE clause from the filters actually given, so no dialect has to type a NULL parameter.</summary>
internal sealed class SqlWhere(StringBuilder sql)
{
    private bool _any;

    public void AddIf<T>(T? value, string condition, DynamicParameters parameters, string name)
    {
        if (value is null || (value is string s && s.Length == 0))
        {
            return;
        }

        parameters.Add(name, value);
        Add(condition);
    }

    /// <summary>Adds a condition whose parameters the caller binds.</summary>
    public void Add(string condition)
    {
        sql.Append(_any ? " AND " : " WHERE ").Append(condition);
        _any = true;
    }
}
