using Snapconv.Core.Pipeline;

namespace Snapconv.Jobs;

/// <summary>Names an unexpected failure in fixed wording: its type and, when known, the file and rows.</summary>
public static class UnexpectedFailure
{
    /// <summary>
    /// <c>(IOException) reading orders.csv row 1200</c>: the failure's type and where it happened, never its message (a
    /// library's message can carry data).
    /// </summary>
    public static string Describe(Exception e)
    {
        var where = e as RowFailureException;
        var cause = where?.InnerException ?? e;
        if (cause is AggregateException { InnerExceptions.Count: 1 } agg) cause = agg.InnerExceptions[0];
        return where is null ? $"({cause.GetType().Name})" : $"({cause.GetType().Name}) {RowFailureException.Describe(where.File, where.FirstRow, where.LastRow)}";
    }
}
