-- A mixed shop load for wrk: browsing, product pages, placing orders, order lists.
-- Environment: SOAK_TOKEN (a customer's token), SOAK_PRODUCTS (comma-separated ids), and
-- SOAK_UNLIMITED (a product with unlimited stock, for orders).
local token = os.getenv("SOAK_TOKEN")
local products = {}
for id in string.gmatch(os.getenv("SOAK_PRODUCTS"), "[^,]+") do
    products[#products + 1] = id
end
local unlimited = os.getenv("SOAK_UNLIMITED")
local sorts = { "price_asc", "name_desc", "createdAt_desc", "stock" }
local auth = { ["Authorization"] = "Bearer " .. token }
local order_headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
local order_body = '{"items": [{"product_id": "' .. unlimited .. '", "quantity": 1}], "address": "1 Soak St"}'
local n = 0

request = function()
    n = n + 1
    local pick = n % 20
    if pick < 9 then
        return wrk.format("GET", "/products?limit=20&page=" .. (n % 3 + 1) .. "&sort=" .. sorts[n % #sorts + 1])
    elseif pick < 11 then
        return wrk.format("GET", "/products?search=star&category=Star%20Wars,Technic")
    elseif pick < 14 then
        return wrk.format("GET", "/products/" .. products[n % #products + 1])
    elseif pick < 17 then
        return wrk.format("POST", "/orders", order_headers, order_body)
    elseif pick < 19 then
        return wrk.format("GET", "/orders?limit=10", auth)
    else
        return wrk.format("GET", "/orders/demo-cart")
    end
end

-- wrk counts non-2xx/3xx replies itself ("Non-2xx or 3xx responses"); socket errors too.
