using Snapconv.Core.Capi;

namespace Snapconv.Core.Validation;

/// <summary>A problem with one row: a rejection, or a warning when <see cref="Reason.IsWarning"/>. Field is the source column.</summary>
public readonly record struct RowIssue(RowRef Row, string Field, Reason Reason)
{
    public bool IsWarning => Reason.IsWarning;
}
