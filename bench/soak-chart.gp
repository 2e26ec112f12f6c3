# Chart of an `akkamq bench soak` series (CSV from --out): data directory and node RSS over time.
# Usage: gnuplot -e "in='bench/results/s15-soak-20m.csv'; out='bench/results/s15-soak-20m.png'" bench/soak-chart.gp
# Optional: -e "title='...'" for the heading.
if (!exists("in")) in = 'soak.csv'
if (!exists("out")) out = 'soak.png'
if (!exists("title")) title = 'akkamq bench soak: ' . in
set terminal pngcairo size 1100,800 font 'sans,10'
set output out
set datafile separator ','
set key bottom right opaque
# Same margins in both panels, so their time axes line up.
set lmargin 12
set rmargin 14
set grid
set xlabel 'elapsed (min)'
MiB = 1048576.0
set multiplot layout 2,1 title title
set ylabel 'MiB'
set yrange [0:*]
set title 'Data directory (journal .db, -wal, -shm, snapshots)'
plot in using ($1/60):($2/MiB) skip 1 with lines lw 2 title 'data dir total', \
     '' using ($1/60):($3/MiB) skip 1 with lines lw 1 title 'akkamq.db', \
     '' using ($1/60):($4/MiB) skip 1 with lines lw 1 title 'akkamq.db-wal'
set title 'Node resident set (VmRSS) and messages retained'
set ylabel 'RSS (MiB)'
set y2label 'messages retained (max - min offsets)'
set y2tics
set y2range [0:*]
plot in using ($1/60):($5/1024.0) skip 1 with lines lw 2 title 'node RSS', \
     '' using ($1/60):12 skip 1 axes x1y2 with lines lw 1 dt 2 title 'retained (right axis)'
unset multiplot
