-- Inner wildcards become LIKE with % and _ escaped; quotes stay inside literals
lower(`Path`) LIKE 'c:\\\\%\\\\evil_.exe' ESCAPE '\\' AND lower(`Literal`) = 'a*b?c' AND contains(lower(`Discount`), '50%_off') AND lower(`User`) = 'o\'brien' AND contains(lower(`Injection`), 'x\') or 1=1 --') AND lower(`odd"field`) = 'v'
-- fields: (none)
-- folded: Discount, Injection, Literal, Path, User, odd"field
