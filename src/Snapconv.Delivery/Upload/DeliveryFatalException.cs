namespace Snapconv.Delivery.Upload;

/// <summary>
/// Snap refused the run (401/403): the token or the Pixel ID is wrong. Events stay pending. The message names
/// the pixel and never the token.
/// </summary>
public sealed class DeliveryFatalException(string message, int httpStatus) : Exception(message)
{
    /// <summary>401 or 403.</summary>
    public int HttpStatus { get; } = httpStatus;
}
