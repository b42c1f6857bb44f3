# frozen_string_literal: true

require 'json'
require 'net/http'

module Http
  DEFAULT_TIMEOUT = 30

  # A session keeps cookies between requests.
  class Session
    attr_reader :base_url

    def initialize(base_url)
      @base_url = base_url
      @cookies = {}
    end

    # Sends one request.
    def request(method, path)
      uri = URI(base_url + path)
      Net::HTTP.get(uri)
    end

    def self.open(url)
      new(url)
    end

    class << self
      def default
        new('http://localhost')
      end
    end
  end

  def self.get(url)
    Session.open(url).request(:get, '/')
  end
end

def main
  puts Http.get('http://example.com')
end

main if $PROGRAM_NAME == __FILE__
