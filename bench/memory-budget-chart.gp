# Chart of bench/memory-budget.sh runs: node RSS and the GC heap over time, against the budget and budget + base.
# Input: whitespace columns "t_s rss_mib budget_used_mib gc_heap_mib", one file per run, made from a run's SAMPLE lines by
#   grep 'SAMPLE budget=512MiB' run.txt | sed -E 's/[a-z0-9_]+=//g; s/s / /' | awk '{print $3, $4, $5, $6}' > run.dat
# Usage: gnuplot -e "a='before.dat'; b='after.dat'; c='small.dat'; out='chart.png'; budget=512; small=64; base=620" bench/memory-budget-chart.gp
if (!exists("out")) out = 'memory-budget.png'
if (!exists("base")) base = 620
set terminal pngcairo size 1100,800 font 'sans,10'
set output out
set key bottom right box
set grid
set lmargin 12
set rmargin 6
set xlabel 'seconds since the node started'
set ylabel 'MiB'
set yrange [0:*]
set multiplot layout 2,1 title sprintf('2,000 queues under sync 1 KiB sends: node RSS against max-cache-bytes + base (%d MiB)', base)
set title sprintf('max-cache-bytes = %d MiB', budget)
plot a using 1:2 with lines lw 1 dt 2 lc rgb '#aa3333' title 'RSS, before (GC alone)', \
     b using 1:2 with lines lw 2 lc rgb '#3366cc' title 'RSS, after (collect-after-given-back, ConserveMemory 5)', \
     b using 1:4 with lines lw 1 lc rgb '#33aa55' title 'GC heap after last collection, after', \
     b using 1:3 with lines lw 1 lc rgb '#999999' title 'budget used, after', \
     budget + base with lines lw 1 dt 3 lc rgb '#000000' title 'budget + base'
set title sprintf('max-cache-bytes = %d MiB', small)
plot c using 1:2 with lines lw 2 lc rgb '#3366cc' title 'RSS, after', \
     c using 1:4 with lines lw 1 lc rgb '#33aa55' title 'GC heap after last collection', \
     c using 1:3 with lines lw 1 lc rgb '#999999' title 'budget used', \
     small + base with lines lw 1 dt 3 lc rgb '#000000' title 'budget + base'
unset multiplot
