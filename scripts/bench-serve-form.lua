-- wrk script for scripts/bench-serve.sh: every request POSTs the intake form of
-- `fir serve` (double-submit CSRF: the same token as cookie and field).
local token = "0123456789abcdef0123456789abcdef"
local counter = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "fir_csrf=" .. token

request = function()
    counter = counter + 1
    local body = "csrf=" .. token
        .. "&title=Benchmark+report+" .. counter
        .. "&category=phishing&severity=2&tlp=GREEN&reporter=wrk"
        .. "&description=Suspicious+mail+with+a+link+to+http%3A%2F%2Fexample.invalid%2Fx"
    return wrk.format(nil, "/new", nil, body)
end

-- Anything but the 303 to the confirmation page counts as a failure.
local failures = 0
response = function(status, headers, body)
    if status ~= 303 then
        failures = failures + 1
        if failures <= 3 then
            io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
        end
    end
end
