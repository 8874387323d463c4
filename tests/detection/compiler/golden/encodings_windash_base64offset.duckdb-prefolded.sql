-- Expansions (windash, base64offset over UTF-16LE) are OR groups inside all-linked lists
((contains("CommandLine#lc", ' -nop ') OR contains("CommandLine#lc", ' /nop ') OR contains("CommandLine#lc", ' –nop ') OR contains("CommandLine#lc", ' —nop ') OR contains("CommandLine#lc", ' ―nop ')) AND (contains("CommandLine#lc", ' -w hidden ') OR contains("CommandLine#lc", ' /w hidden ') OR contains("CommandLine#lc", ' –w hidden ') OR contains("CommandLine#lc", ' —w hidden ') OR contains("CommandLine#lc", ' ―w hidden '))) OR contains("CommandLine#lc", 'sqbfafga') OR contains("CommandLine#lc", 'karqbya') OR contains("CommandLine#lc", 'jaeuawa')
-- fields: (none)
-- folded: CommandLine
