-- Inner wildcards become LIKE with % and _ escaped; quotes stay inside literals
"Path#lc" LIKE 'c:\\%\\evil_.exe' ESCAPE '\' AND "Literal#lc" = 'a*b?c' AND contains("Discount#lc", '50%_off') AND "User#lc" = 'o''brien' AND contains("Injection#lc", 'x'') or 1=1 --') AND "odd""field#lc" = 'v'
-- fields: (none)
-- folded: Discount, Injection, Literal, Path, User, odd"field
