-- wrk script for leak_check.py: rotates through every protocol and error path, and
-- stops each thread after LEAK_REQUESTS_PER_THREAD responses (wrk itself only knows a
-- duration). A status outside the expected set (any 5xx) counts as unexpected.
local ad_body = '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>abc@example.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>'
local xml = {["Content-Type"] = "text/xml"}
local cases = {
  {"GET", "/mail/config-v1.1.xml?emailaddress=abc%40example.com", nil, nil, 200},
  {"GET", "/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=x%40example.org", nil, nil, 200},
  {"GET", "/mail/config-v1.1.xml?emailaddress=a%40unknown.example", nil, nil, 204},
  {"GET", "/mail/config-v1.1.xml?emailaddress=not-an-address", nil, nil, 400},
  {"GET", "/mail/config-v1.1.xml", nil, nil, 200},
  {"POST", "/autodiscover/autodiscover.xml", xml, ad_body, 200},
  {"POST", "/Autodiscover/Autodiscover.xml", xml, "<Autodiscover><broken", 400},
  {"POST", "/autodiscover/autodiscover.xml", xml, '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', 400},
  {"POST", "/autodiscover/autodiscover.xml", {["Content-Type"] = "text/plain"}, ad_body, 400},
  {"POST", "/autodiscover/autodiscover.xml", xml, string.rep("x", 70000), 413},
  {"GET", "/mobileconfig/?emailaddress=abc%40example.com&name=Abc%20Def&password=secret", nil, nil, 200},
  {"GET", "/mobileconfig/?emailaddress=a%40example.net", nil, nil, 400},
  {"GET", "/autodiscover/autodiscover.json?Email=abc%40example.com&Protocol=AutodiscoverV1", nil, nil, 200},
  {"GET", "/autodiscover/autodiscover.json?Email=abc%40example.com&Protocol=Other", nil, nil, 400},
  {"GET", "/", nil, nil, 200},
  {"GET", "/nowhere", nil, nil, 404},
  {"PUT", "/mail/config-v1.1.xml", nil, "", 405},
  {"POST", "/initdb/", {["Content-Type"] = "application/json"}, '{"version": 3}', 400},
}
local requests = {}
local allowed = {}
for _, c in ipairs(cases) do allowed[c[5]] = true end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for i, c in ipairs(cases) do
    requests[i] = wrk.format(c[1], c[2], c[3] or {}, c[4])
  end
  limit = tonumber(os.getenv("LEAK_REQUESTS_PER_THREAD") or "1000")
  done = 0
  unexpected = 0
  index = math.random(#requests)
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function response(status, headers, body)
  if not allowed[status] then
    unexpected = unexpected + 1
    if unexpected <= 5 then
      io.stderr:write("unexpected status " .. status .. "\n")
    end
  end
  done = done + 1
  if done >= limit then
    wrk.thread:stop()
  end
end

-- errors.status is left out: wrk counts every 4xx there, and 4xx are expected here.
function done(summary, latency, requests_)
  local total, bad = 0, 0
  for _, t in ipairs(threads) do
    total = total + (t:get("done") or 0)
    bad = bad + (t:get("unexpected") or 0)
  end
  io.write(string.format("LEAKCHECK requests=%d unexpected=%d errors=%d\n", total, bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
