// The parts of Apache ECharts the dashboard uses, and nothing else: time series with brush and zoom, bars, the
// Sankey, the VPC graph, the coverage heatmap; canvas rendering only; the Japanese locale. `build.sh` bundles
// this file into one minified script that sets `window.echarts`.
import * as echarts from 'echarts/core';
import { LineChart, BarChart, SankeyChart, GraphChart, HeatmapChart } from 'echarts/charts';
import {
  GridComponent,
  TooltipComponent,
  LegendComponent,
  DataZoomComponent,
  BrushComponent,
  ToolboxComponent,
  TitleComponent,
  VisualMapComponent,
  DatasetComponent,
  AriaComponent,
} from 'echarts/components';
import { LabelLayout } from 'echarts/features';
import { CanvasRenderer } from 'echarts/renderers';
import langJA from 'echarts/lib/i18n/langJA.js';

echarts.use([
  LineChart,
  BarChart,
  SankeyChart,
  GraphChart,
  HeatmapChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  DataZoomComponent,
  BrushComponent,
  ToolboxComponent,
  TitleComponent,
  VisualMapComponent,
  DatasetComponent,
  AriaComponent,
  LabelLayout,
  CanvasRenderer,
]);
echarts.registerLocale('JA', langJA);

window.echarts = echarts;
