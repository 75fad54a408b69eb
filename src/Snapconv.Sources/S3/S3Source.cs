using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Snapconv.Core.Formats;
using Snapconv.Sources.Staging;
namespace Snapconv.Sources.S3;

/// <summary>Objects under a prefix of an S3 (or S3-compatible) bucket, matched by a glob; identity is the ETag.</summary>
internal sealed class S3Source : ISource
{
    private readonly S3SourceOptions _options;
    private readonly GlobPattern _glob;
    private readonly AmazonS3Client _client;

    public S3Source(S3SourceOptions options, Func<string, string?> env)
    {
        _options = options;
        _glob = new GlobPattern(options.Pattern);
        var config = new AmazonS3Config { ForcePathStyle = options.ForcePathStyle, MaxErrorRetry = 2 };
        if (options.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = options.Region;
        }
        else config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        if (options.AccessKeyEnv is { } ak && options.SecretKeyEnv is { } sk)
        {
            var access = env(ak);
            var secret = env(sk);
            if (string.IsNullOrEmpty(access) || string.IsNullOrEmpty(secret))
                throw new SourceException($"s3 source: environment variables {ak} and {sk} must both be set.", isConfiguration: true);
            _client = new AmazonS3Client(new BasicAWSCredentials(access, secret), config);
        }
        else _client = new AmazonS3Client(config);
    }

    public string Description => $"s3 {_options.Bucket}/{_options.Prefix}";

    public async Task<IReadOnlyList<SourceObject>> ListAsync(SourceContext context, CancellationToken ct)
    {
        var list = new List<SourceObject>();
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _options.Prefix };
        try
        {
            // Bounded: at most 10,000 pages of 1,000 keys.
            for (var page = 0; page < 10_000; page++)
            {
                var response = await _client.ListObjectsV2Async(request, ct).ConfigureAwait(false);
                foreach (var o in response.S3Objects ?? [])
                {
                    if (o.Key.EndsWith('/')) continue;
                    var rel = o.Key[_options.Prefix.Length..].TrimStart('/');
                    if (_glob.IsMatch(rel)) list.Add(new SourceObject(o.Key, o.Size, o.ETag?.Trim('"'), o.LastModified is { } lm ? new DateTimeOffset(lm.ToUniversalTime(), TimeSpan.Zero) : null));
                }
                if (response.IsTruncated != true) break;
                request.ContinuationToken = response.NextContinuationToken;
            }
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            throw new SourceException($"s3 source: listing bucket '{_options.Bucket}' failed ({(int)e.StatusCode} {e.ErrorCode}).", e, isConfiguration: true);
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new SourceException($"s3 source: bucket '{_options.Bucket}' is unreachable ({e.GetType().Name}).", e);
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return list;
    }

    public async Task<FetchResult> FetchAsync(SourceObject obj, string destination, string? previousVersion, SourceContext context, CancellationToken ct)
    {
        try
        {
            using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = obj.Key }, ct).ConfigureAwait(false);
            await using var output = new FileStream(destination, SourceStaging.StagedFileOptions);
            await response.ResponseStream.CopyToAsync(output, 1 << 16, ct).ConfigureAwait(false);
            return new FetchResult(Version: response.ETag?.Trim('"'));
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException && !ct.IsCancellationRequested)
        {
            throw new SourceException($"s3 source: reading '{obj.Key}' failed ({e.GetType().Name}).", e);
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
