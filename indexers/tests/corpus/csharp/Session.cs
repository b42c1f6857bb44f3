using System;
using System.Collections.Generic;

namespace Example.Http
{
    /// <summary>A session keeps cookies between requests.</summary>
    public class Session : IDisposable
    {
        private readonly Dictionary<string, string> cookies = new();

        public Session(string baseUrl)
        {
            BaseUrl = baseUrl;
        }

        public string BaseUrl { get; }

        /// <summary>Sends one request.</summary>
        [Obsolete("use RequestAsync")]
        public string Request(string method, string path)
        {
            string Join(string a, string b) => a + b;
            return Join(BaseUrl, path);
        }

        public void Dispose()
        {
            cookies.Clear();
        }
    }

    public interface ITransport
    {
        string Send(string url);
    }

    public struct Point
    {
        public int X;
        public int Y;
    }

    public enum Status { Ok, NotFound }

    public record Response(int Status, string Body);

    public delegate void Handler(string body);
}
