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

    /// <summary>
    /// As <see cref="AddIf{T}"/>, except that <paramref name="word"/> — a value the filter takes that is no stored value
    /// (<c>closed</c> for every closing status, <c>none</c> for no assignee) — adds <paramref name="wordCondition"/> instead.
    /// </summary>
    public void AddIf(string? value, string condition, DynamicParameters parameters, string name, string word, string wordCondition)
    {
        if (value == word)
        {
            Add(wordCondition);
            return;
        }

        AddIf(value, condition, parameters, name);
    }

    /// <summary>Adds a condition whose parameters the caller binds.</summary>
    public void Add(string condition)
    {
        sql.Append(_any ? " AND " : " WHERE ").Append(condition);
        _any = true;
    }
}
