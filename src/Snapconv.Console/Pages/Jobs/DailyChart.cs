using System.Globalization;
using Snapconv.State;

namespace Snapconv.Console.Pages.Jobs;

/// <summary>One day's stacked bar: accepted from the base line, rejected on top (SVG user units).</summary>
public sealed record ChartBar(DateOnly Day, long Accepted, long Rejected, double X, double Width, double AcceptedY, double AcceptedHeight,
    double RejectedY, double RejectedHeight);

/// <summary>
/// The job page's chart of accepted and rejected events per UTC day, drawn server-side as SVG: every day of the window
/// (zeros included), a stacked bar a day, the largest day setting the scale.
/// </summary>
public sealed class DailyChart
{
    /// <summary>The SVG's user-space size.</summary>
    public const double Width = 640, Height = 220;
    /// <summary>Plot margins (left for the scale's numbers, bottom for the dates).</summary>
    public const double Left = 56, Right = 8, Top = 12, Bottom = 30;

    public IReadOnlyList<ChartBar> Bars { get; }
    public long Max { get; }
    public long TotalAccepted { get; }
    public long TotalRejected { get; }
    public double BaseY => Height - Bottom;
    public double PlotLeft => Left;
    public double PlotRight => Width - Right;

    /// <summary>The days labelled under the axis: the first, the middle and the last.</summary>
    public IEnumerable<ChartBar> Labelled => Bars.Count == 0 ? [] : new[] { Bars[0], Bars[Bars.Count / 2], Bars[^1] }.Distinct();

    /// <param name="counts">The store's days (absent days are zero).</param>
    /// <param name="lastDay">The newest day shown (today, UTC).</param>
    /// <param name="days">How many days, ending with <paramref name="lastDay"/>.</param>
    public DailyChart(IReadOnlyList<DailyCounts> counts, DateOnly lastDay, int days)
    {
        var byDay = counts.ToDictionary(c => c.Day);
        var list = Enumerable.Range(0, days).Select(i => lastDay.AddDays(i - days + 1))
            .Select(d => byDay.TryGetValue(d, out var c) ? c : new DailyCounts(d, 0, 0)).ToList();
        Max = Math.Max(1, list.Max(c => c.Accepted + c.Rejected));
        TotalAccepted = list.Sum(c => c.Accepted);
        TotalRejected = list.Sum(c => c.Rejected);
        var slot = (PlotRight - PlotLeft) / days;
        var plot = BaseY - Top;
        Bars = [.. list.Select((c, i) =>
        {
            var ah = plot * c.Accepted / Max;
            var rh = plot * c.Rejected / Max;
            return new ChartBar(c.Day, c.Accepted, c.Rejected, PlotLeft + i * slot + slot * 0.15, slot * 0.7,
                BaseY - ah, ah, BaseY - ah - rh, rh);
        })];
    }

    /// <summary>How a date label under a bar is anchored: the first starts at its bar, the last ends at it (so neither is cut off).</summary>
    public string Anchor(ChartBar bar) => Bars.Count == 0 ? "middle" : bar == Bars[0] ? "start" : bar == Bars[^1] ? "end" : "middle";

    /// <summary>A number for an SVG attribute (invariant, 2 decimals).</summary>
    public static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>A day under the axis: <c>5 Dec</c>.</summary>
    public static string DayLabel(DateOnly d) => d.ToString("d MMM", CultureInfo.GetCultureInfo("en-GB"));

    /// <summary>One sentence for screen readers.</summary>
    public string Summary =>
        $"Accepted and rejected events per day over {Bars.Count} days: {Ui.N(TotalAccepted)} accepted, {Ui.N(TotalRejected)} rejected"
        + (TotalAccepted + TotalRejected > 0 ? $"; the busiest day had {Ui.N(Max)} events." : ".");
}
